import sys

from atdt.cli import main

sys.exit(main())
