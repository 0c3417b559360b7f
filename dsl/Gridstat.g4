// The gridstat definition language: surveys, code lists, reference data and rules.
// The parser only recognises shape; names, types and reference data are checked in
// dsl/check.cc, which turns this tree into diagnostics that point at the source.
grammar Gridstat;

file        : decl* EOF ;
exprOnly    : expr EOF ;              // message placeholders are parsed with this entry

decl        : survey | rules | codes | reference | tier | role | workflow ;

// ---- surveys -------------------------------------------------------------
survey      : 'survey' ident STRING? '{' surveyItem* '}' ;
surveyItem  : 'period' ident                       # periodItem
            | 'key' ident (',' ident)*             # keyItem
            | field                                # fieldItem
            | roster                               # rosterItem
            ;
field       : 'field' ident STRING? typeSpec fieldAttr* ;
typeSpec    : ident ('(' (NUMBER | ident) ')')? ;
fieldAttr   : 'required'                                   # requiredAttr
            | 'unit' STRING                                # unitAttr
            | 'range' signedNumber '..' signedNumber       # rangeAttr
            | 'min' signedNumber                           # minAttr
            | 'max' signedNumber                           # maxAttr
            | 'length' NUMBER ('..' NUMBER)?               # lengthAttr
            | 'pattern' STRING                             # patternAttr
            | 'when' expr                                  # whenAttr
            | 'masked'                                     # maskedAttr
            ;
roster      : 'roster' ident STRING? rosterAttr* '{' field* '}' ;
rosterAttr  : 'required'                                   # rosterRequired
            | 'rows' NUMBER ('..' NUMBER)?                 # rosterRows
            ;
signedNumber: '-'? NUMBER ;

// ---- code lists and reference data ---------------------------------------
codes       : 'codes' ident STRING? '{' codeEntry* '}' ;
codeEntry   : STRING STRING? ;
reference   : 'reference' ident STRING? '{' refItem* '}' ;
refItem     : ident STRING? ;

// ---- organisation and workflows ------------------------------------------
tier        : 'tier' ident STRING? 'level' NUMBER ;
role        : 'role' ident STRING? 'at' ident ;
workflow    : 'workflow' ident STRING? 'for' ident '{' workflowItem* '}' ;
workflowItem: 'state' ident STRING? stateFlag*                     # stateItem
            | 'deadline' ident NUMBER 'days' 'after' 'period'      # deadlineItem
            | 'action' ident STRING? '{' actionClause* '}'          # actionItem
            ;
stateFlag   : 'initial' | 'final' | 'accepted' ;
// Clauses are a word and its values (`from released, returned`), checked by the compiler.
actionClause: 'guard' expr STRING                                  # guardClause
            | ident ident (',' ident)*                             # listClause
            ;

// ---- rules ---------------------------------------------------------------
rules       : 'rules' 'for' ident '{' ruleItem* '}' ;
ruleItem    : ruleDecl | letDecl ;
ruleDecl    : severity=('error' | 'warning') CODE STRING
              ('for' 'each' ident)? ('when' expr)? ':' expr ;
letDecl     : 'let' ident '=' expr ;

// ---- expressions: explicit precedence levels, lowest first ----------------
expr        : andExpr ('or' andExpr)* ;
andExpr     : notExpr ('and' notExpr)* ;
notExpr     : 'not' notExpr | cmpExpr ;
cmpExpr     : addExpr ( cmpOp addExpr
                      | NOT='not'? 'between' addExpr 'and' addExpr
                      | NOT='not'? 'in' inTarget
                      | 'matches' STRING )? ;
cmpOp       : '=' | '!=' | '<' | '<=' | '>' | '>=' ;
inTarget    : ident | '(' expr (',' expr)* ')' ;
addExpr     : mulExpr (addOp mulExpr)* ;
addOp       : '+' | '-' ;
mulExpr     : unary (mulOp unary)* ;
mulOp       : '*' | '/' ;
unary       : '-' unary | primary ;
primary     : NUMBER                                       # numberLit
            | STRING                                       # stringLit
            | ('true' | 'false')                           # boolLit
            | ident '(' (arg (',' arg)*)? ')'              # call
            | ident                                        # name
            | '(' expr ')'                                 # paren
            ;
arg         : expr ('where' expr)? ;

// Words that are keywords in one place but may name a field or function elsewhere.
ident       : ID | 'period' | 'key' | 'unit' | 'min' | 'max' | 'length' | 'pattern'
            | 'rows' | 'masked' | 'range' | 'level' | 'at' | 'state' | 'initial' | 'final'
            | 'accepted'
            | 'days' | 'after' ;

// ---- tokens --------------------------------------------------------------
CODE        : [A-Z] [A-Z0-9]* ('-' [A-Z0-9]+)+ ;
ID          : [a-zA-Z_] [a-zA-Z0-9_]* ;
NUMBER      : [0-9]+ ('.' [0-9]+)? ;
STRING      : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;
UNTERMINATED: '"' (~["\\\r\n] | '\\' ~[\r\n])* ;
COMMENT     : '#' ~[\r\n]* -> skip ;
WS          : [ \t\r\n\u3000\uFEFF]+ -> skip ;
BADCHAR     : . ;
