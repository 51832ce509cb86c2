"""pydicom's equivalent of `radseal dump FILE...`: parse each file and print its listing (large values deferred)."""
import sys

import pydicom

for path in sys.argv[1:]:
    print(pydicom.dcmread(path, defer_size="64 KB"))
