from newsreader.launch import main

raise SystemExit(main())
