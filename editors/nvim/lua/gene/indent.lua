-- indentexpr for Gene buffers (see ftplugin/gene.lua).
local M = {}

local function gene_client(bufnr)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr })
    or vim.lsp.buf_get_clients(bufnr)
  for _, c in pairs(clients or {}) do
    local caps = c.server_capabilities or c.resolved_capabilities or {}
    if (c.name == 'gene-lsp' or c.name == 'gene') and (caps.documentOnTypeFormattingProvider or caps.document_on_type_formatting) then
      return c
    end
  end
  return nil
end

--- The indent the server asks for at 0-based `line`, or nil when it cannot say.
function M.server_indent(bufnr, line)
  local client = gene_client(bufnr)
  if not client then
    return nil
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = 0 },
    ch = '\n',
    options = { tabSize = vim.bo[bufnr].shiftwidth, insertSpaces = true },
  }
  local ok, res
  if vim.fn.has('nvim-0.11') == 1 then
    ok, res = pcall(client.request_sync, client, 'textDocument/onTypeFormatting', params, 500, bufnr)
  else
    ok, res = pcall(client.request_sync, 'textDocument/onTypeFormatting', params, 500, bufnr)
  end
  if not ok or not res or res.err or type(res.result) ~= 'table' then
    return nil
  end
  if #res.result == 0 then
    return vim.fn.indent(line + 1) -- already right
  end
  for _, e in ipairs(res.result) do
    if e.range and e.range.start.line == line and e.range.start.character == 0 then
      return #(e.newText or '')
    end
  end
  return nil
end

function M.fallback(lnum)
  local prev = vim.fn.prevnonblank(lnum - 1)
  if prev == 0 then
    return 0
  end
  return vim.fn.indent(prev)
end

function M.indentexpr(lnum)
  lnum = lnum or vim.v.lnum
  local bufnr = vim.api.nvim_get_current_buf()
  local ok, n = pcall(M.server_indent, bufnr, lnum - 1)
  if ok and n then
    return n
  end
  return M.fallback(lnum)
end

return M
