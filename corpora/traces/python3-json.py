# python3-json.py - the script recorded in python3-json.trace:
#
#   LD_PRELOAD=build/libvmex-record.so VMEX_TRACE=corpora/traces/python3-json.trace \
#       /usr/bin/python3 -S corpora/traces/python3-json.py
#
# A small data-processing job: build 20000 records, serialize them to JSON
# (about 1.5 MB of text), parse it back, index it in a dict, sort and join
# the lines into a byte buffer, cut it into chunks, and drop it all again.
# Small objects live in pymalloc's 1 MiB arenas (mmap); lists, dict tables
# and big strings come from malloc.
import json

records = [{"id": i, "name": "item-%d" % i, "tags": ["t%d" % (i % 7), "u%d" % (i % 13)], "score": i * 0.5}
           for i in range(20000)]
text = json.dumps(records)
back = json.loads(text)
index = {r["name"]: r for r in back}
del records
lines = text.split("},")
blob = "\n".join(sorted(lines)).encode()
chunks = [blob[i:i + 32768] for i in range(0, len(blob), 32768)]
total = sum(len(c) for c in chunks)
del blob, chunks, lines
print(len(text), len(index), total)
