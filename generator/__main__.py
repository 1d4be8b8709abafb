import sys

from generator.cli import main

if __name__ == "__main__":  # not when multiprocessing's forkserver imports this module as __mp_main__
    sys.exit(main())
