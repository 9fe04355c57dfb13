# Imports a module with a syntax error: the traceback ends with the file, the source line,
# the caret line and `SyntaxError: ...`.
import bad_syntax
