"""The command line. Command modules import only argparse at module level, so that
``cloudscope --help`` stays fast; their work is imported when they run."""
