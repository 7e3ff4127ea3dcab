-- Headless-Neovim test of the editors/nvim plugin (0.7.2 and 0.11+/0.12).
--
--   nvim --headless -u NONE -i NONE -n --cmd 'set rtp+=<repo>/editors/nvim' \
--     --cmd 'filetype plugin indent on' --cmd 'syntax on' -c 'luafile test.lua' sub/two_errors.gene
--
-- Env: GENE_LSP, GENE_DAP (binaries), GENE_STUB (dir holding lua/dap.lua), GENE_ROOT
-- (the expected project root). Prints one JSON object per line ({"event": ...}) on
-- stdout; nvim.test.js checks them.
local json_encode = (vim.json and vim.json.encode) or vim.fn.json_encode
local LSP = os.getenv('GENE_LSP')
local DAP = os.getenv('GENE_DAP')
local STUB = os.getenv('GENE_STUB')

local function emit(t)
  io.stdout:write(json_encode(t) .. '\n')
  io.stdout:flush()
end

local function gene_clients(bufnr)
  local list = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr })
    or vim.lsp.buf_get_clients(bufnr)
  local out = {}
  for _, c in pairs(list or {}) do
    table.insert(out, c)
  end
  return out
end

local function all_clients()
  local list = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  local out = {}
  for _, c in pairs(list or {}) do
    table.insert(out, { name = c.name, root_dir = c.config and c.config.root_dir, id = c.id })
  end
  return out
end

local function request(bufnr, method, params)
  local res, err = vim.lsp.buf_request_sync(bufnr, method, params, 10000)
  if not res then
    return nil, 'no response: ' .. tostring(err)
  end
  for _, r in pairs(res) do
    if r.err or r.error then
      local e = r.err or r.error
      return nil, (type(e) == 'table' and (e.message or vim.inspect(e))) or tostring(e)
    end
    return r.result, nil
  end
  return nil, 'empty response'
end

local function syn_at(lnum, needle)
  local text = vim.fn.getline(lnum)
  local col = text:find(needle, 1, true)
  if not col then
    return nil
  end
  return vim.fn.synIDattr(vim.fn.synID(lnum, col, 1), 'name')
end

local function main()
  local buf = vim.api.nvim_get_current_buf()
  local v = vim.version()
  emit({ event = 'start', version = string.format('%d.%d.%d', v.major, v.minor, v.patch),
    errmsg = vim.v.errmsg, filetype = vim.bo[buf].filetype, commentstring = vim.bo[buf].commentstring,
    comments = vim.bo[buf].comments, indentexpr = vim.bo[buf].indentexpr,
    syntax = vim.b.current_syntax or vim.NIL,
    syn_comment = syn_at(1, 'Two'), syn_keyword = syn_at(2, 'fn'), syn_string = syn_at(4, '"x"') })

  -- 1. setup() without nvim-dap installed: silent, nothing registered.
  local gene = require('gene')
  local before_msgs = vim.fn.execute('messages')
  gene.setup({ cmd = { LSP }, dap = true, dap_cmd = { DAP } })
  emit({ event = 'setup_without_dap', errmsg = vim.v.errmsg, registered = gene.dap_registered == true,
    dap_loaded = package.loaded.dap ~= nil, new_messages = vim.fn.execute('messages') ~= before_msgs,
    mode = gene.mode, has_command = vim.fn.exists(':GeneFutures') == 2 })

  -- 2. gene-lsp attaches through setup(); both diagnostics arrive.
  local attached = vim.wait(10000, function()
    local cs = gene_clients(buf)
    return #cs > 0 and cs[1].initialized ~= false
  end, 20)
  local cs = gene_clients(buf)
  emit({ event = 'attached', ok = attached, names = vim.tbl_map(function(c) return c.name end, cs),
    root_dir = cs[1] and cs[1].config.root_dir or vim.NIL })
  if not attached then
    return
  end
  local got = vim.wait(10000, function()
    return #vim.diagnostic.get(buf) >= 2
  end, 20)
  vim.wait(300, function() return false end, 20)
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(diags, { lnum = d.lnum, col = d.col, message = d.message, severity = d.severity, source = d.source })
  end
  emit({ event = 'diagnostics', arrived = got, diagnostics = diags })

  -- 3. Hover and go-to-definition on the call `(add 1 2)` (line 5, 0-based 4).
  local uri = vim.uri_from_bufnr(buf)
  local col = vim.fn.getline(5):find('add', 1, true)
  local pos = { line = 4, character = col }
  local hr, he = request(buf, 'textDocument/hover', { textDocument = { uri = uri }, position = pos })
  local hv = hr and hr.contents and (type(hr.contents) == 'string' and hr.contents or hr.contents.value)
  emit({ event = 'hover', error = he, value = hv })
  local dr, de = request(buf, 'textDocument/definition', { textDocument = { uri = uri }, position = pos })
  local loc = type(dr) == 'table' and (dr[1] or dr) or nil
  emit({ event = 'definition', error = de, uri_matches = loc ~= nil and (loc.uri or loc.targetUri) == uri,
    range = loc and (loc.range or loc.targetSelectionRange) or vim.NIL })
  -- ...and with Neovim's own command: the cursor moves to the definition.
  vim.api.nvim_win_set_cursor(0, { 5, col })
  vim.lsp.buf.definition()
  vim.wait(3000, function() return vim.api.nvim_win_get_cursor(0)[1] ~= 5 end, 20)
  emit({ event = 'definition_jump', cursor = vim.api.nvim_win_get_cursor(0) })

  -- 4. indentexpr through on-type formatting: unindent line 3, then `==` re-indents it.
  vim.api.nvim_buf_set_lines(buf, 2, 3, false, { '(a + b))' })
  local expr = require('gene.indent').indentexpr(3)
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  vim.cmd('normal! ==')
  local after_eq = vim.fn.getline(3)
  -- Without a server: the previous non-blank line's indent.
  local scratch = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(scratch, 0, -1, false, { '(fn f []', '    (a', '', 'x' })
  local fallback
  vim.api.nvim_buf_call(scratch, function()
    fallback = { require('gene.indent').indentexpr(3), require('gene.indent').indentexpr(4) }
  end)
  emit({ event = 'indent', expr = expr, after_eq = after_eq, fallback = fallback })

  -- 5. The shebang detection and one client per root (reused).
  local script = os.getenv('GENE_SCRIPT')
  vim.cmd('edit ' .. vim.fn.fnameescape(script))
  local sbuf = vim.api.nvim_get_current_buf()
  local s_ft = vim.bo[sbuf].filetype
  vim.wait(5000, function() return #gene_clients(sbuf) > 0 end, 20)
  local sc = gene_clients(sbuf)
  emit({ event = 'second_buffer', filetype = s_ft, clients = #sc,
    same_client = sc[1] ~= nil and cs[1] ~= nil and sc[1].id == cs[1].id, all = all_clients() })
  vim.cmd('buffer ' .. buf)

  -- 6. nvim-dap registration against the stand-in.
  vim.opt.runtimepath:append(STUB)
  gene.setup({ cmd = { LSP }, dap = true, dap_cmd = { DAP } })
  local dap = require('dap')
  local a = dap.adapters.gene
  emit({ event = 'dap', registered = gene.dap_registered == true, adapter = a or vim.NIL,
    configurations = dap.configurations.gene or vim.NIL, errmsg = vim.v.errmsg, clients = #all_clients() })

  -- 7. :GeneFutures against a fake session: the float lists the futures and refreshes.
  local calls = 0
  dap._session = {
    request = function(_, command, args, cb)
      calls = calls + 1
      cb(nil, { total = 2, futures = {
        { id = 1, label = 'timer ' .. calls, state = 'pending', ageMs = 10 * calls },
        { id = 2, label = 'fetch', state = 'success', ageMs = 5, value = '42' },
      }, stats = { pending = 1, pendingMax = 2, completions = 1, callbacks = 0 }, command = command, args = args })
    end,
  }
  vim.cmd('GeneFutures')
  local win = vim.api.nvim_get_current_win()
  local cfg = vim.api.nvim_win_get_config(win)
  vim.wait(300, function() return calls >= 1 end, 20)
  local first_calls = calls
  vim.wait(1200, function() return false end, 50)
  local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
  local mid_calls = calls
  gene.close_futures()
  vim.wait(1100, function() return false end, 50)
  emit({ event = 'futures', relative = cfg.relative, first_calls = first_calls, calls = mid_calls,
    calls_after_close = calls, lines = lines, win_closed = not vim.api.nvim_win_is_valid(win) })
  dap._session = nil

  -- 8. :checkhealth gene.
  vim.v.errmsg = ''
  vim.cmd('checkhealth gene')
  local hl = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  emit({ event = 'health', lines = hl, errmsg = vim.v.errmsg })
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  emit({ event = 'error', message = tostring(err) })
end
emit({ event = 'done' })
io.stdout:flush()
vim.cmd('qa!')
