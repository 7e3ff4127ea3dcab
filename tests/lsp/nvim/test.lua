-- End-to-end test of gene-lsp with Neovim's built-in LSP client (0.7.2 and later).
--
--   GENE_LSP=target/debug/gene-lsp nvim --headless -u NONE -c 'luafile test.lua' three_errors.gene
--
-- Prints one JSON object per line on stdout ({"event": ...}); nvim.test.js checks them.
-- Works on 0.7 (vim.lsp.start_client + vim.lsp.buf_attach_client; there is no
-- vim.lsp.start before 0.8).

local server = os.getenv('GENE_LSP') or 'gene-lsp'
local json_encode = (vim.json and vim.json.encode) or vim.fn.json_encode

local function emit(t)
  io.stdout:write(json_encode(t) .. '\n')
  io.stdout:flush()
end

local function lines()
  return vim.api.nvim_buf_get_lines(0, 0, -1, false)
end

local published = {} -- every publishDiagnostics, in arrival order

local function diagnostics_handler(err, result, ctx, config)
  table.insert(published, result)
  return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
end

local function uri()
  return vim.uri_from_bufnr(0)
end

local function capability(client, name)
  local caps = client.server_capabilities or client.resolved_capabilities or {}
  local v = caps[name]
  return v ~= nil and v ~= false and v ~= vim.NIL
end

-- The one result of a buf_request_sync for our client: result, err.
local function request(client_id, method, params)
  local res, err = vim.lsp.buf_request_sync(0, method, params, 10000)
  if not res then
    return nil, 'no response: ' .. tostring(err)
  end
  local r = res[client_id]
  if not r then
    return nil, 'no response from the client'
  end
  if r.err or r.error then
    local e = r.err or r.error
    return nil, (type(e) == 'table' and (e.message or vim.inspect(e))) or tostring(e)
  end
  return r.result, nil
end

local function position_of(line, needle, delta)
  local text = vim.api.nvim_buf_get_lines(0, line, line + 1, false)[1]
  local col = text:find(needle, 1, true)
  assert(col, needle .. ' not on line ' .. line)
  -- ASCII-only prefixes here, so byte column == UTF-16 column.
  return { line = line, character = col - 1 + (delta or 0) }
end

local function main()
  vim.bo.filetype = 'gene'
  local client_id = vim.lsp.start_client({
    name = 'gene-lsp',
    cmd = { server },
    root_dir = vim.fn.getcwd(),
    handlers = { ['textDocument/publishDiagnostics'] = diagnostics_handler },
  })
  if not client_id then
    emit({ event = 'error', message = 'start_client failed for ' .. server })
    return
  end
  vim.lsp.buf_attach_client(0, client_id)
  local ok = vim.wait(10000, function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and c.initialized and #published > 0
  end, 20)
  local client = vim.lsp.get_client_by_id(client_id)
  if not ok or not client then
    emit({ event = 'error', message = 'no diagnostics within 10 s (initialized: ' .. tostring(client and client.initialized) .. ')' })
    return
  end
  local enc = client.offset_encoding or 'utf-16'
  local caps = client.server_capabilities or client.resolved_capabilities or {}
  emit({ event = 'initialized', offset_encoding = enc, version = tostring(vim.version().major) .. '.' .. tostring(vim.version().minor), capabilities = vim.tbl_keys(caps) })

  -- 1. The three errors of the file, as published and as Neovim stores them.
  local first = published[1]
  for _, d in ipairs(first.diagnostics) do
    emit({ event = 'diagnostic', uri_matches = (first.uri == uri()), version = first.version, range = d.range, code = d.code, severity = d.severity, source = d.source, message = d.message })
  end
  vim.wait(200, function() return false end, 20)
  for _, d in ipairs(vim.diagnostic.get(0)) do
    emit({ event = 'vim_diagnostic', lnum = d.lnum, col = d.col, end_col = d.end_col, severity = d.severity, source = d.source, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) })
  end

  -- 2. Fix the errors by editing the buffer (Neovim sends incremental changes).
  local before = #published
  vim.api.nvim_buf_set_lines(0, 2, 5, false, { '(println "é" \'a\')', '(println (add 1 2))', '(println "é" 2)' })
  local cleared = vim.wait(10000, function()
    for i = before + 1, #published do
      if #published[i].diagnostics == 0 then
        return true
      end
    end
    return false
  end, 20)
  local last = published[#published]
  emit({ event = 'after_fix', cleared = cleared, count = #last.diagnostics, diagnostics = last.diagnostics, publishes = #published - before })

  -- 3. Formatting, applied with Neovim's own edit function.
  local fparams = { textDocument = { uri = uri() }, options = { tabSize = 2, insertSpaces = true } }
  local edits, ferr = request(client_id, 'textDocument/formatting', fparams)
  if edits then
    vim.lsp.util.apply_text_edits(edits, 0, enc)
  end
  emit({ event = 'formatting', error = ferr, edits = edits and #edits or 0, lines = lines() })

  -- 4. Hover on a user function's call.
  if capability(client, 'hoverProvider') then
    local r, e = request(client_id, 'textDocument/hover', { textDocument = { uri = uri() }, position = position_of(3, 'add', 1) })
    local value = nil
    if r and r.contents then
      value = type(r.contents) == 'string' and r.contents or r.contents.value
    end
    emit({ event = 'hover', advertised = true, error = e, value = value })
  else
    emit({ event = 'hover', advertised = false })
  end

  -- 5. Definition of the called function.
  if capability(client, 'definitionProvider') then
    local r, e = request(client_id, 'textDocument/definition', { textDocument = { uri = uri() }, position = position_of(3, 'add', 1) })
    local loc = r
    if type(r) == 'table' and r[1] then
      loc = r[1]
    end
    emit({ event = 'definition', advertised = true, error = e, uri_matches = loc and ((loc.uri or loc.targetUri) == uri()), range = loc and (loc.range or loc.targetSelectionRange) })
  else
    emit({ event = 'definition', advertised = false })
  end

  -- 6. Rename add -> plus, applied with Neovim's workspace-edit function.
  if capability(client, 'renameProvider') then
    local r, e = request(client_id, 'textDocument/rename', { textDocument = { uri = uri() }, position = position_of(3, 'add', 1), newName = 'plus' })
    if r then
      vim.lsp.util.apply_workspace_edit(r, enc)
    end
    emit({ event = 'rename', advertised = true, error = e, lines = lines() })
  else
    emit({ event = 'rename', advertised = false })
  end

  -- 7. Completion inside a new form at the end of the buffer.
  if capability(client, 'completionProvider') then
    local n = #lines()
    vim.api.nvim_buf_set_lines(0, n, n, false, { '(println pl)' })
    local r, e = request(client_id, 'textDocument/completion', { textDocument = { uri = uri() }, position = { line = n, character = 11 } })
    local items = r and (r.items or r) or {}
    local labels = {}
    for _, it in ipairs(items) do
      table.insert(labels, it.label)
    end
    emit({ event = 'completion', advertised = true, error = e, labels = labels })
  else
    emit({ event = 'completion', advertised = false })
  end

  -- 8. Stop the client (shutdown + exit) and check the server went away.
  local pid = client.rpc and client.rpc.pid
  vim.lsp.stop_client(client_id)
  local stopped = vim.wait(5000, function()
    return vim.lsp.get_client_by_id(client_id) == nil
  end, 20)
  emit({ event = 'stopped', stopped = stopped, pid = pid })
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  emit({ event = 'error', message = tostring(err) })
end
emit({ event = 'done' })
io.stdout:flush()
vim.cmd('qa!')
