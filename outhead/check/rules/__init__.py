"""The rules of ``outhead check``, one module per family of finding codes."""
