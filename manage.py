#!/usr/bin/env python
from groundswell.manage import main

if __name__ == "__main__":
    main()
