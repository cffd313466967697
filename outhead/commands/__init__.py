"""The CLI commands, one module each. Each imports the core lazily, inside the command, so that
``outhead --help`` never pays for numpy, pyarrow or pandas."""
