# An exception group on its own: the trace starts indented, at "  + Exception Group Traceback".
raise ExceptionGroup("batch failed", [OSError("disk full"), ValueError("bad row 7")])
