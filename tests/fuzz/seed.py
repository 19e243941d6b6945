#!/usr/bin/env python3
"""seed.py DEMO_DESK: (re)write the hand-made part of the seed corpora in
tests/fuzz/corpus/<target>/ from a demo desk ('kefu demo DIR') plus
nasty cases. Crash files (crash-*) that libFuzzer saved are kept."""
import glob, os, sys

here = os.path.dirname(os.path.abspath(__file__))
desk = sys.argv[1]


def put(target, name, data):
    d = os.path.join(here, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def smallest(pattern, n):
    files = sorted(glob.glob(os.path.join(desk, pattern)), key=os.path.getsize)
    return files[:n]


# JSON nasties every loader must refuse with a message.
json_nasty = {
    'empty': b'',
    'bom': b'\xef\xbb\xbf{}',
    'deep-65': b'[' * 65 + b']' * 65,
    'deep-64': b'{"a":' * 63 + b'1' + b'}' * 63,
    'nul-escape': b'{"a": "x\\u0000y"}',
    'lone-high': b'{"a": "\\ud800"}',
    'lone-low': b'{"a": "\\udc00x"}',
    'pair': b'{"a": "\\ud83d\\ude00"}',
    'raw-esc': b'{"a": "\x1b[2J"}',
    'invalid-utf8': b'{"a": "\xc3\x28"}',
    'overlong': b'{"a": "\xc0\xaf"}',
    'dup-key': b'{"a": 1, "b": 2, "a": 3}',
    'trailing': b'{} {}',
    'truncated': b'{"a": [1, 2',
    'conflict': b'<<<<<<< ours\n{}\n=======\n{}\n>>>>>>> theirs\n',
    'huge-number': b'{"kefu": 1e999, "id": -0, "x": 123456789012345678901234567890}',
    'string-esc': b'{"a": "\\"\\\\\\/\\b\\f\\n\\r\\t\\u001b\\u202e"}',
}

tickets = smallest('tickets/*/*.json', 6)
for i, p in enumerate(tickets):
    put('ticket', 'demo-%d.json' % i, read(p))
for k, v in json_nasty.items():
    put('ticket', k, v)
t0 = read(tickets[0]).decode()
put('ticket', 'wrong-clock', t0.replace('"clock":1', '"clock":"1"', 1))
put('ticket', 'no-events', t0.replace('"events"', '"evts"', 1))
put('ticket', 'unknown-kind', t0.replace('"kind":"created"', '"kind":"zzz"', 1))
put('ticket', 'newer-format', t0.replace('"kefu": 1', '"kefu": 2', 1))
put('ticket', 'worklog-big', t0.rstrip().rstrip('}').rstrip().rstrip(']').rstrip() +
    ',\n    {"id":"E0000001aaaaaaaa","clock":90,"at":"2026-01-01T00:00:00Z","by":"x","kind":"worklog","minutes":2147483647}' +
    ',\n    {"id":"E0000001aaaaaaab","clock":91,"at":"2026-01-01T00:00:00Z","by":"x","kind":"worklog","minutes":2147483647}\n  ]\n}\n')

put('conf', 'demo.json', read(os.path.join(desk, 'kefu.json')))
conf = read(os.path.join(desk, 'kefu.json')).decode()
put('conf', 'no-sla.json', conf.replace('"sla"', '"zla"', 1))
put('conf', 'bad-hours.json', conf.replace('"09:00"', '"25:99"', 1))
put('conf', 'bad-offset.json', conf.replace('"+08:00"', '"+99:99"', 1))
put('conf', 'min.json', '{"kefu": 1, "priorities": [{"name": "P1"}], "default_priority": "P1"}')
for k, v in json_nasty.items():
    put('conf', k, v)

for p in sorted(glob.glob(os.path.join(desk, 'customers/*.json'))):
    put('customer', os.path.basename(p), read(p))
for k, v in json_nasty.items():
    put('customer', k, v)
put('customer', 'contact-no-name', '{"slug": "a", "name": "A", "contacts": [{"role": "x"}]}')
put('customer', 'bad-slug', '{"slug": "../x", "name": "A"}')

for p in sorted(glob.glob(os.path.join(desk, 'releases/*.json'))):
    put('release', os.path.basename(p), read(p))
for k, v in json_nasty.items():
    put('release', k, v)

for p in smallest('kb/*.md', 5) + smallest('replies/*.md', 3):
    put('kb', os.path.basename(os.path.dirname(p)) + '-' + os.path.basename(p), read(p))
put('kb', 'front-matter.md', '---\ntitle: A\ntags: [a, b]\nproducts: X, Y\nupdated: 2026-01-02\n---\n\nbody\n')
put('kb', 'no-close.md', '---\ntitle: A\n')
put('kb', 'no-title.md', 'Tags: a\n\nbody\n')
put('kb', 'twice.md', 'Title: a\nTitle: b\n\n')
put('kb', 'control.md', 'Title: a\x1b[2J\n\n')
put('kb', 'crlf.md', 'Title: a\r\nX-Custom: 1\r\n\r\nbody\r\n')
put('kb', 'bad-date.md', 'Title: a\nUpdated: 2026-13-45\n\n')
put('kb', 'bom.md', b'\xef\xbb\xbfTitle: a\n\n')
put('kb', 'conflict.md', 'Title: a\n\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n')

for p in sorted(glob.glob(os.path.join(here, '../../themes/*.theme'))):
    put('theme', os.path.basename(p), read(p))
put('theme', 'bad', 'color nothing red blue\ncolor title color999 default\ncolor title red\nfoo\n# c\n\tcolor title bright-red color255 bold italic # x\n')

put('keymap', 'good', 'bind queue a ack\nbind generic <F5> reload\nbind ticket ^R reload\nset theme mono\n# comment\n\n')
put('keymap', 'bad', 'bind nowhere a ack\nbind queue <F13> ack\nbind queue ab ack\nbind queue a nothing\nset colour x\nbind\n')
put('keymap', 'many', ''.join('bind queue %c quit\n' % c for c in range(33, 127)) * 2)

# merge: a kind byte, then base NUL ours NUL theirs ("-": absent).
t1 = read(tickets[1]).decode()
ours = t0.replace('"kind":"created"', '"kind":"created"', 1)
ev = ',\n    {"id":"E%sbbbbbbbb","clock":50,"at":"2026-01-01T00:00:00Z","by":"x","kind":"comment","text":"%s"}\n  ]\n}\n'
body = t0.rstrip().rstrip('}').rstrip().rstrip(']').rstrip()
put('merge', 'ticket-both-comment', b'\x00' + (t0 + '\0' + body + ev % ('0000001', 'ours') + '\0' + body + ev % ('0000002', 'theirs')).encode())
put('merge', 'ticket-deleted', b'\x00' + (t0 + '\0-\0' + body + ev % ('0000003', 'x')).encode())
put('merge', 'ticket-added-both', b'\x00' + ('-\0' + t0 + '\0' + t1).encode())
c = read(os.path.join(desk, 'customers/huaxin.json')).decode()
put('merge', 'customer', b'\x01' + (c + '\0' + c.replace('"name"', '"tier": "gold", "name"', 1) + '\0' + c.replace('"name"', '"tier": "silver", "name"', 1)).encode())
put('merge', 'conf', b'\x02' + (conf + '\0' + conf.replace('80', '70', 1) + '\0' + conf.replace('80', '90', 1)).encode())
kb = read(smallest('kb/*.md', 1)[0]).decode()
put('merge', 'kb', b'\x03' + (kb + '\0' + kb.replace('\n\n', '\n\nours line\n', 1) + '\0' + kb.replace('\n\n', '\n\ntheirs line\n', 1)).encode())
put('merge', 'text', b'\x04a\nb\nc\n\x00a\nB\nc\n\x00a\nb2\nc\n')
put('merge', 'binary', b'\x04a\x00a\x01\x02\x00b')
put('merge', 'garbage', b'\x00{\x00[\x00"')

put('utf8', 'escapes', b'\x28EVIL \x1b]0;pwned\x07 \x1b[2J\x1b[31mred \xe2\x80\xaegnp.exe\xe2\x81\xa6 tail\r\b')
put('utf8', 'c1', b'\x50line2 \xc2\x9b c1 \xc2\x85 \xe2\x80\x8e\xe2\x80\x8f\xd8\x9c')
put('utf8', 'cjk-emoji', '\x0a中文标题对齐测试 👩‍💻 🇨🇳 e\u0301 ｆｕｌｌ'.encode())
put('utf8', 'invalid', b'\x10\xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82')
put('utf8', 'newlines', b'\xc8a\nb\tc\x7fd\x00e')
put('utf8', 'wide-at-edge', b'\x03a\xe4\xb8\xad\xe6\x96\x87')
