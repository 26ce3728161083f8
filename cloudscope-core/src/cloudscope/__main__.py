from cloudscope.cli.main import main

raise SystemExit(main())
