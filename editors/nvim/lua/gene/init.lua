-- Gene for Neovim: gene-lsp for `gene` buffers, an nvim-dap adapter for gene-dap,
-- and :GeneFutures (the pending futures of the current debug session).
--
--   require("gene").setup({ cmd = { "gene-lsp" }, dap = true })
--
-- Works on Neovim 0.7 (vim.lsp.start_client + vim.lsp.buf_attach_client, one client
-- per root, reused) and uses vim.lsp.config/vim.lsp.enable on 0.11+.
local M = {}

local defaults = {
  cmd = { 'gene-lsp' },
  -- true/false, or a table { command = "gene-dap", args = {} }.
  dap = true,
  dap_cmd = { 'gene-dap' },
  -- Files or directories whose presence marks a project root.
  root_markers = { '.git', 'package.gene', 'project.gene' },
  settings = nil,
  on_attach = nil,
  capabilities = nil,
  -- Force the 0.7 code path even when vim.lsp.config exists (tests).
  legacy = false,
}

M.config = vim.deepcopy(defaults)
M._clients = {} -- root -> client id (0.7 path)

local function fs_exists(p)
  return (vim.loop or vim.uv).fs_stat(p) ~= nil
end

--- The project root of a buffer: the nearest directory (from the file's own
--- directory up) holding one of the root markers; else the file's directory.
function M.root(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr or 0)
  local dir
  if name == '' then
    dir = vim.fn.getcwd()
  else
    dir = vim.fn.fnamemodify(name, ':p:h')
  end
  local cur = dir
  while cur and cur ~= '' do
    for _, m in ipairs(M.config.root_markers) do
      if fs_exists(cur .. '/' .. m) then
        return cur
      end
    end
    local parent = vim.fn.fnamemodify(cur, ':h')
    if parent == cur then
      break
    end
    cur = parent
  end
  return dir
end

local function has_new_api()
  return not M.config.legacy and type(vim.lsp.config) ~= 'nil' and type(vim.lsp.enable) == 'function'
end

local function live(id)
  local c = id and vim.lsp.get_client_by_id(id)
  if c and not (c.is_stopped and c.is_stopped()) then
    return c
  end
  return nil
end

--- Start (or reuse) the client for the buffer's root and attach it (0.7 path).
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].filetype ~= 'gene' or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local root = M.root(bufnr)
  local id = M._clients[root]
  if not live(id) then
    id = vim.lsp.start_client({
      name = 'gene-lsp',
      cmd = M.config.cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
      settings = M.config.settings,
      capabilities = M.config.capabilities,
      on_attach = M.config.on_attach,
      -- Send changes at once: the indentexpr asks the server about the text just typed.
      flags = { debounce_text_changes = 0 },
    })
    if not id then
      return nil
    end
    M._clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function setup_lsp()
  local cfg = M.config
  if has_new_api() then
    local conf = {
      cmd = cfg.cmd,
      filetypes = { 'gene' },
      root_dir = function(bufnr, on_dir)
        on_dir(M.root(bufnr))
      end,
      settings = cfg.settings,
      capabilities = cfg.capabilities,
      on_attach = cfg.on_attach,
      flags = { debounce_text_changes = 0 },
    }
    vim.lsp.config('gene-lsp', conf)
    vim.lsp.enable('gene-lsp')
    -- enable() attaches already-open buffers itself only after VimEnter; setup()
    -- called earlier (from a -c command, or a plugin manager) covers them here.
    if vim.v.vim_did_enter ~= 1 then
      for _, b in ipairs(vim.api.nvim_list_bufs()) do
        if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].filetype == 'gene' then
          pcall(vim.api.nvim_exec_autocmds, 'FileType', { group = 'nvim.lsp.enable', buffer = b })
        end
      end
    end
    M.mode = 'config'
    return
  end
  M.mode = 'start_client'
  local group = vim.api.nvim_create_augroup('gene_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'gene',
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].filetype == 'gene' then
      M.attach(b)
    end
  end
end

--- Register the `gene` adapter and a launch configuration with nvim-dap, when it
--- is installed. Returns true when registered; silently false otherwise.
function M.setup_dap()
  local ok, dap = pcall(require, 'dap')
  if not ok or type(dap) ~= 'table' or type(dap.adapters) ~= 'table' then
    return false
  end
  local d = M.config.dap
  local command, args
  if type(d) == 'table' and d.command then
    command, args = d.command, d.args or {}
  else
    command = M.config.dap_cmd[1]
    args = vim.list_slice(M.config.dap_cmd, 2)
  end
  dap.adapters.gene = { type = 'executable', command = command, args = args }
  dap.configurations = dap.configurations or {}
  local list = dap.configurations.gene or {}
  for _, c in ipairs(list) do
    if c.type == 'gene' and c.name == 'Launch current file' then
      return true
    end
  end
  table.insert(list, {
    type = 'gene',
    request = 'launch',
    name = 'Launch current file',
    program = '${file}',
    stopOnEntry = false,
  })
  dap.configurations.gene = list
  return true
end

-- :GeneFutures ---------------------------------------------------------------

local futures = { win = nil, buf = nil, timer = nil }

local function format_futures(body)
  local out = {}
  if type(body) ~= 'table' then
    return { 'no answer' }
  end
  local list = body.futures or {}
  table.insert(out, string.format('Futures: %d', tonumber(body.total) or #list))
  local s = body.stats
  if type(s) == 'table' then
    table.insert(out, string.format('pending %s (max %s), completions %s, callbacks %s', tostring(s.pending), tostring(s.pendingMax), tostring(s.completions), tostring(s.callbacks)))
  end
  table.insert(out, '')
  for _, f in ipairs(list) do
    local where = ''
    if type(f.origin) == 'table' and f.origin.path then
      where = string.format('  %s:%s', vim.fn.fnamemodify(f.origin.path, ':t'), tostring(f.origin.line))
    end
    local extra = ''
    if f.value ~= nil and f.value ~= vim.NIL then
      extra = ' = ' .. tostring(f.value)
    elseif f.error ~= nil and f.error ~= vim.NIL then
      extra = ' ! ' .. tostring(f.error)
    end
    table.insert(out, string.format('#%s %-9s %s%s  (%s ms)%s', tostring(f.id), tostring(f.state), tostring(f.label or ''), extra, tostring(f.ageMs), where))
  end
  if #list == 0 then
    table.insert(out, '(none)')
  end
  return out
end
M._format_futures = format_futures

local function futures_set(lines)
  if futures.buf and vim.api.nvim_buf_is_valid(futures.buf) then
    vim.bo[futures.buf].modifiable = true
    vim.api.nvim_buf_set_lines(futures.buf, 0, -1, false, lines)
    vim.bo[futures.buf].modifiable = false
  end
end

local function futures_close()
  if futures.timer then
    futures.timer:stop()
    futures.timer:close()
    futures.timer = nil
  end
  if futures.win and vim.api.nvim_win_is_valid(futures.win) then
    vim.api.nvim_win_close(futures.win, true)
  end
  futures.win, futures.buf = nil, nil
end
M.close_futures = futures_close

local function futures_refresh()
  if not (futures.win and vim.api.nvim_win_is_valid(futures.win)) then
    futures_close()
    return
  end
  local ok, dap = pcall(require, 'dap')
  local session = ok and type(dap) == 'table' and dap.session and dap.session()
  if not session then
    futures_set({ 'No debug session' })
    return
  end
  session:request('gene/futures', {}, function(err, result)
    vim.schedule(function()
      if err then
        futures_set({ 'gene/futures failed: ' .. tostring(type(err) == 'table' and (err.message or vim.inspect(err)) or err) })
      else
        futures_set(format_futures(result))
      end
    end)
  end)
end

--- Open (or refresh) the floating Futures window, refreshed every 500 ms while open.
function M.futures()
  if futures.win and vim.api.nvim_win_is_valid(futures.win) then
    futures_refresh()
    return futures.win
  end
  futures.buf = vim.api.nvim_create_buf(false, true)
  vim.bo[futures.buf].bufhidden = 'wipe'
  vim.bo[futures.buf].filetype = 'genefutures'
  local width = math.max(40, math.floor(vim.o.columns * 0.6))
  local height = math.max(5, math.floor(vim.o.lines * 0.5))
  futures.win = vim.api.nvim_open_win(futures.buf, true, {
    relative = 'editor',
    width = width,
    height = height,
    row = math.floor((vim.o.lines - height) / 2),
    col = math.floor((vim.o.columns - width) / 2),
    style = 'minimal',
    border = 'rounded',
  })
  vim.api.nvim_buf_set_keymap(futures.buf, 'n', 'q', '<cmd>lua require("gene").close_futures()<CR>', { nowait = true, silent = true })
  futures_set({ 'Loading…' })
  futures.timer = (vim.loop or vim.uv).new_timer()
  futures.timer:start(0, 500, vim.schedule_wrap(futures_refresh))
  return futures.win
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  if type(M.config.cmd) == 'string' then
    M.config.cmd = { M.config.cmd }
  end
  if type(M.config.dap_cmd) == 'string' then
    M.config.dap_cmd = { M.config.dap_cmd }
  end
  setup_lsp()
  if M.config.dap then
    M.dap_registered = M.setup_dap()
  end
  vim.api.nvim_create_user_command('GeneFutures', function()
    M.futures()
  end, { desc = 'Gene: pending futures of the current debug session' })
  return M
end

return M
