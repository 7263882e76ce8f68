#!/usr/bin/env python3
"""merge-v2-check.py MERGED RC INPUT...: invariants of `edgeaudit merge` over version 2 reports.

Groups of one key add up (flows, packets, bytes, first/last, initiators exact or a capped lower
bound, scan port ranges united); each group's examples are the K earliest (first time, then
content) of the inputs' examples, K the smallest summary/@examples; flows are renumbered 1..M
by first time, each one an input flow named by an example or evidence; rules summed with the best
status and evidence the K earliest; summary counts summed; result and exit code follow.
Prints what failed; exit 1 on failure."""
import sys
import xml.etree.ElementTree as ET

merged, rc, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
m = ET.parse(merged).getroot()
ins = [ET.parse(p).getroot() for p in inputs]
K = int(m.find('summary').get('examples'))   # --examples may lower it, never raise it
assert K <= min(int(r.find('summary').get('examples')) for r in ins), 'K over what the inputs listed'


def content(f):
    """A flow without its id: what must survive the merge."""
    return (tuple(sorted((k, v) for k, v in f.attrib.items() if k != 'id')),
            tuple(ET.tostring(c) for c in f))


def flows_by_id(r):
    return {f.get('id'): f for f in r.find('flows').findall('flow')}


def ports(ranges):
    s = set()
    for part in ranges.split(','):
        lo, _, hi = part.partition('-')
        s.update(range(int(lo), int(hi or lo) + 1))
    return s


mflows = m.find('flows').findall('flow')
mby = flows_by_id(m)
assert m.get('version') == '2'
assert [int(f.get('id')) for f in mflows] == list(range(1, len(mflows) + 1)), 'flow ids not 1..M'
firsts = [f.get('first') for f in mflows]
assert firsts == sorted(firsts), 'flows not in order of first time'
pool = {}
for r in ins:
    for f in r.find('flows').findall('flow'):
        pool[content(f)] = pool.get(content(f), 0) + 1
for f in mflows:
    assert pool.get(content(f), 0) > 0, 'flow %s is no input flow' % f.get('id')
    pool[content(f)] -= 1
assert m.find('flows').get('listed') == 'examples'
assert int(m.find('flows').get('total')) == sum(int(r.find('flows').get('total')) for r in ins)

# groups
groups = {}
for r in ins:
    rf = flows_by_id(r)
    for g in r.find('findings').findall('group'):
        groups.setdefault(g.get('key'), []).append((g, rf))
mg = m.find('findings').findall('group')
assert sorted(g.get('key') for g in mg) == sorted(groups), 'group keys are not the inputs\''
named = set()
for g in mg:
    src = groups[g.get('key')]
    for a in ('flows', 'packets', 'bytes'):
        assert int(g.get(a)) == sum(int(s.get(a)) for s, _ in src), '%s of %s' % (a, g.get('key'))
    assert g.get('first') == min(s.get('first') for s, _ in src), 'first of ' + g.get('key')
    assert g.get('last') == max(s.get('last') for s, _ in src), 'last of ' + g.get('key')
    union = {i.get('address') for s, _ in src for i in s.findall('initiator')}
    exact = all(int(s.get('initiators')) == len(s.findall('initiator')) and not s.get('initiators-capped')
                for s, _ in src)
    if len(src) == 1:
        assert g.get('initiators') == src[0][0].get('initiators')
    elif exact:
        assert int(g.get('initiators')) == len(union) and not g.get('initiators-capped'), 'initiators'
    else:
        assert int(g.get('initiators')) >= max(int(s.get('initiators')) for s, _ in src)
        assert g.get('initiators-capped') == 'yes'
    listed = [i.get('address') for i in g.findall('initiator')]
    assert len(listed) == min(5, len(union)) and set(listed) <= union, 'initiators listed'
    if g.get('scan'):
        want = set()
        for s, _ in src:
            want |= ports(s.get('port-ranges'))
        assert ports(g.get('port-ranges')) == want and int(g.get('ports')) == len(want), 'scan ports'
    # examples: the K earliest of the inputs' examples whose flow the input lists
    cand = sorted((rf[e.get('flow')].get('first'), content(rf[e.get('flow')]))
                  for s, rf in src for e in s.findall('example') if e.get('flow') in rf)
    ex = g.findall('example')
    ids = [int(e.get('flow')) for e in ex]
    assert ids == sorted(set(ids)) and len(ex) <= K, 'examples of %s not sorted or over K' % g.get('key')
    got = [(mby[e.get('flow')].get('first'), content(mby[e.get('flow')])) for e in ex]
    assert got == cand[:K], 'examples of %s are not the K earliest' % g.get('key')
    for e in ex:
        f = mby[e.get('flow')]
        assert f.get('group') == g.get('key') and f.get('client') == e.get('client'), 'example flow'
        named.add(e.get('flow'))
fi = m.find('findings')
assert int(fi.get('groups')) == len(mg) and int(fi.get('flows')) == sum(int(g.get('flows')) for g in mg)
assert int(fi.get('scans')) == sum(1 for g in mg if g.get('scan'))
order = {'unexpected': 0, 'blocked': 1, 'unverified': 2}
keys = [(order[g.get('verdict')], -int(g.get('flows')), g.get('key')) for g in mg]
assert keys == sorted(keys), 'groups not in report order'

# rules
rank = {'unconfigured': 0, 'not-observed': 1, 'blocked': 2, 'observed': 3}
statuses = {}
for j, rule in enumerate(m.find('rules').findall('rule')):
    src = [r.find('rules').findall('rule')[j] for r in ins]
    best = max((s.get('status') for s in src), key=lambda s: rank[s])
    assert rule.get('status') == best, 'status of %s' % rule.get('id')
    statuses[best] = statuses.get(best, 0) + 1
    for a in ('flows', 'bytes', 'allowed', 'unverified', 'blocked', 'violations'):
        assert int(rule.get(a)) == sum(int(s.get(a)) for s in src), '%s of %s' % (a, rule.get('id'))
    cand = sorted((flows_by_id(r)[x].get('first'), content(flows_by_id(r)[x]))
                  for r, s in zip(ins, src) for x in s.find('evidence').get('flows').split()
                  if x in flows_by_id(r))
    ev = rule.find('evidence')
    ids = [x for x in ev.get('flows').split()]
    assert [(mby[x].get('first'), content(mby[x])) for x in ids] == sorted(cand)[:K], \
        'evidence of %s' % rule.get('id')
    assert int(ev.get('listed')) == len(ids) <= K
    named.update(ids)
assert named == set(mby), 'flows listed that nothing names, or named and not listed'

# summary, capture, exit code
s = m.find('summary')
verd = {v.get('name'): int(v.get('count')) for v in s.findall('verdict')}
for name, n in verd.items():
    assert n == sum(int(v.get('count')) for r in ins for v in r.find('summary').findall('verdict')
                    if v.get('name') == name), 'verdict count ' + name
for st in s.findall('status'):
    assert int(st.get('count')) == statuses.get(st.get('name'), 0), 'status count'
br = sum(int(r.find('summary').get('blocked-required')) for r in ins)
assert int(s.get('blocked-required')) == br
assert int(s.get('finding-flows')) == sum(int(r.find('summary').get('finding-flows')) for r in ins)
assert int(s.get('groups')) == len(mg) and s.get('list-flows') == 'examples'
findings = verd['unexpected'] > 0 or br > 0 or statuses.get('blocked', 0) > 0 or \
    statuses.get('not-observed', 0) > 0
assert s.get('result') == ('findings' if findings else 'compliant')
assert rc == (1 if findings else 0), 'exit code %d' % rc
c = m.find('capture')
for a in ('packets', 'bytes'):
    assert int(c.get(a)) == sum(int(r.find('capture').get(a)) for r in ins), a
assert sorted(x.get('name') for x in c.findall('source')) == \
    sorted(x.get('name') for r in ins for x in r.find('capture').findall('source'))
print('ok: %d groups, %d flows listed, K=%d' % (len(mg), len(mflows), K))
