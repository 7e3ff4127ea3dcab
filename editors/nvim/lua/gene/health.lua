-- :checkhealth gene
local M = {}

local h = vim.health or require('health')
local start = h.start or h.report_start
local ok = h.ok or h.report_ok
local warn = h.warn or h.report_warn
local err = h.error or h.report_error
local info = h.info or h.report_info

local function check_binary(label, cmd)
  local exe = cmd and cmd[1]
  if not exe or vim.fn.executable(exe) ~= 1 then
    err(label .. ' not found (' .. tostring(exe) .. '): build it with `cargo build --release` and put it on PATH, or pass its path to setup()')
    return
  end
  local path = vim.fn.exepath(exe)
  local out = vim.fn.system({ exe, '--version' })
  if vim.v.shell_error ~= 0 then
    warn(label .. ' found at ' .. path .. ' but `--version` failed: ' .. vim.trim(out))
  else
    ok(label .. ' found: ' .. path .. ' (' .. vim.trim(out) .. ')')
  end
end

function M.check()
  local gene = require('gene')
  local cfg = gene.config
  start('gene')
  info('Neovim ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) .. '; LSP via ' .. (gene.mode or 'setup() not called yet'))
  check_binary('gene-lsp', cfg.cmd)
  local dcmd = cfg.dap_cmd
  if type(cfg.dap) == 'table' and cfg.dap.command then
    dcmd = { cfg.dap.command }
  end
  check_binary('gene-dap', dcmd)
  local has_dap = pcall(require, 'dap')
  if has_dap then
    ok('nvim-dap found' .. (gene.dap_registered and ': adapter `gene` registered' or ''))
  else
    info('nvim-dap not installed: debugging is not available (optional)')
  end
end

return M
