-- Filetype detection for Gene: *.gene files, and files whose first line is a
-- `#!/usr/bin/env gene` (or `#!/path/to/gene`) shebang.
local group = vim.api.nvim_create_augroup('gene_ftdetect', { clear = true })

vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
  group = group,
  pattern = '*.gene',
  callback = function()
    vim.bo.filetype = 'gene'
  end,
})

vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
  group = group,
  pattern = '*',
  callback = function(args)
    local buf = args.buf or vim.api.nvim_get_current_buf()
    if vim.bo[buf].filetype ~= '' and vim.bo[buf].filetype ~= 'conf' then
      return
    end
    local first = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] or ''
    if first:match('^#!.*/env%s+gene%s*$') or first:match('^#!.*/env%s+gene%s') or first:match('^#!%S*/gene%s*$') then
      vim.bo[buf].filetype = 'gene'
    end
  end,
})
