-- Stand-in for nvim-dap (not installable here) with its public shape:
-- dap.adapters, dap.configurations, dap.session(). Tests set `_session` to a fake
-- session object answering :request(command, arguments, callback).
local M = { adapters = {}, configurations = {}, _session = nil }

function M.session()
  return M._session
end

return M
