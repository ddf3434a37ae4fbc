from searchkit.cli import main

raise SystemExit(main())
