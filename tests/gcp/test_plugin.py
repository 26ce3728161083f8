"""The plugin's entry point: registered, light, and listed by ``cloudscope plugins``."""

from __future__ import annotations

import json
import subprocess
import sys


def test_plugins_lists_the_gcp_collector(run_cloudscope):
    """`cloudscope plugins` shows the gcp plugin loaded, providing the `gcp` collector."""
    result = run_cloudscope("plugins", "--format", "json")
    assert result.exit_code == 0, result.stderr
    gcp = next(plugin for plugin in json.loads(result.stdout) if plugin["name"] == "gcp")
    assert gcp["status"] == "loaded"
    assert gcp["distribution"] == "cloudscope-gcp"
    assert gcp["collectors"] == ["gcp"]


def test_listing_plugins_imports_no_google_library():
    """Loading the plugin (as `cloudscope plugins` does) imports neither google nor requests."""
    code = (
        "import sys\n"
        "from cloudscope.cli.main import main\n"
        "main(['plugins'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('google', 'requests'))\n"
        "print('LOADED', loaded)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=60, check=True)
    assert "gcp" in completed.stdout
    assert "LOADED []" in completed.stdout
