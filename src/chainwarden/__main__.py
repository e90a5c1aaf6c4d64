from chainwarden.cli.main import main

raise SystemExit(main())
