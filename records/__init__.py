"""What the pages read and write: one function per task, through ``sheets``, with audit."""
