#!/usr/bin/env python3
# merge-big-report.py IN OUT N: report IN (version 2) with N more allowed flows listed (list-flows="all"),
# copies of its first allowed flow with new ids; tests/merge-check.sh measures the memory of merging it.
import sys, re
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = open(src).read()
m = re.search(r'(    <flow id=")\d+("[^>]*verdict="allowed"[^>]*?(?:/>\n|>\n.*?</flow>\n))', s, re.S)
ids = [int(x) for x in re.findall(r'<flow id="(\d+)"', s)]
top = max(ids)
total = int(re.search(r'<flows listed="examples" total="(\d+)"', s).group(1))
s = s.replace('list-flows="examples"', 'list-flows="all"')
s = s.replace('<flows listed="examples" total="%d"' % total, '<flows listed="all" total="%d"' % (total + n))
with open(dst, 'w') as f:
    end = s.index('  </flows>')
    f.write(s[:end])
    for i in range(top + 1, top + 1 + n):
        f.write(m.group(1) + str(i) + m.group(2))
    f.write(s[end:])
