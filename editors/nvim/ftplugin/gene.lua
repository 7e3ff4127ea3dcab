-- Buffer settings for Gene: comments and an indentexpr that indents as `gene fmt`
-- does, by asking the attached gene-lsp for textDocument/onTypeFormatting with "\n"
-- at the line; without a server it keeps the previous non-blank line's indent.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

vim.bo.commentstring = '# %s'
vim.bo.comments = 's:#<,e:>#,:#'
vim.bo.expandtab = true
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2
vim.bo.lisp = false
vim.bo.indentexpr = "v:lua.require'gene.indent'.indentexpr()"
vim.bo.indentkeys = '0),0],0},!^F,o,O'

vim.b.undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< indentexpr< indentkeys< lisp<'
