" Vim syntax file for Gene (used when semantic tokens are not available).
if exists('b:current_syntax')
  finish
endif

syn iskeyword @,48-57,_,-,?,!,+,*,/,<,>,=,192-255

syn keyword geneSpecial fn fnx var if elif else then do loop while for in match case when
syn keyword geneSpecial class ns import try catch finally throw return break continue
syn keyword geneSpecial async await yield macro new not and or spawn ensure
syn keyword geneSpecial let enum interface implement implements type field export from of is typeof
syn keyword geneConstant true false nil void
syn keyword geneSelf self super

syn match geneNumber '\<-\?\d\+\(\.\d\+\)\?\([eE][-+]\?\d\+\)\?\>'
syn match geneNumber '\<0x\x\+\>'

syn region geneInterp matchgroup=geneInterpDelim start='#{' end='}' contained contains=TOP
syn match geneEscape '\\.' contained
syn region geneString start='"' skip='\\\\\|\\"' end='"' contains=geneEscape,geneInterp
syn region geneString start='"""' end='"""' contains=geneEscape,geneInterp
syn match geneChar "'\\\?.'"

syn region geneBlockComment start='#<' end='>#' contains=geneTodo,geneBlockComment
syn match geneComment '#\([<{]\)\@!.*$' contains=geneTodo
syn match geneComment '^#!.*$'
syn keyword geneTodo TODO FIXME XXX NOTE contained

syn match geneProp '\^\^\?[A-Za-z_][A-Za-z0-9_-]*[?!]\?'
syn match geneProp '\^![A-Za-z_][A-Za-z0-9_-]*'
syn match geneMethod '\.[A-Za-z_][A-Za-z0-9_-]*[?!]\?'
syn match geneDollar '\$[A-Za-z_][A-Za-z0-9_-]*'
syn match geneSymbol ":[A-Za-z_][A-Za-z0-9_-]*"
syn match geneDelim '[()\[\]{}]'

hi def link geneSpecial Keyword
hi def link geneConstant Constant
hi def link geneSelf Special
hi def link geneNumber Number
hi def link geneString String
hi def link geneChar Character
hi def link geneEscape SpecialChar
hi def link geneInterpDelim Delimiter
hi def link geneComment Comment
hi def link geneBlockComment Comment
hi def link geneTodo Todo
hi def link geneProp Identifier
hi def link geneMethod Function
hi def link geneDollar PreProc
hi def link geneSymbol Constant
hi def link geneDelim Delimiter

let b:current_syntax = 'gene'
