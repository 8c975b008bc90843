"""Console lines (tally.console_lines, as console-lines.test.ts) and the stdout/stderr tee in a real child process."""
import json
import os
import subprocess
import sys
import textwrap

from tally.console_lines import MAX_LINE_CHARS, ConsoleLines

from support import CLIENT  # where this tally was imported from, for the child process to import the same


def test_splits_writes_at_newlines_keeping_empty_lines_and_crlf_as_one_newline():
    c = ConsoleLines()
    c.write('stdout', 'epoch 1\n\nepoch 2\r\n', 5)
    assert c.take() == [
        {'stream': 'stdout', 'at': 5, 'text': 'epoch 1'},
        {'stream': 'stdout', 'at': 5, 'text': ''},
        {'stream': 'stdout', 'at': 5, 'text': 'epoch 2'},
    ]
    assert c.take() == []


def test_holds_a_partial_line_until_its_newline_stamped_with_its_first_piece():
    c = ConsoleLines()
    c.write('stdout', 'loss ', 1)
    c.write('stdout', '0.4', 2)
    assert c.take() == [] and c.pending == 0
    c.write('stdout', '1\nnext', 3)
    assert c.take() == [{'stream': 'stdout', 'at': 1, 'text': 'loss 0.41'}]
    assert c.take(True) == [{'stream': 'stdout', 'at': 3, 'text': 'next'}]


def test_keeps_the_two_streams_apart_each_line_in_the_order_completed():
    c = ConsoleLines()
    c.write('stdout', 'a', 1)
    c.write('stderr', 'warn\n', 2)
    c.write('stdout', 'b\n', 3)
    assert [f"{line['stream']}:{line['text']}" for line in c.take()] == ['stderr:warn', 'stdout:ab']


def test_cuts_a_line_past_the_limit_and_drops_the_rest_up_to_its_newline():
    c = ConsoleLines()
    long = 'x' * (MAX_LINE_CHARS + 10)
    c.write('stderr', long[:100], 1)
    c.write('stderr', long[100:] + 'tail', 2)
    c.write('stderr', 'more\nafter\n', 3)
    lines = c.take()
    assert lines == [
        {'stream': 'stderr', 'at': 1, 'text': 'x' * MAX_LINE_CHARS, 'truncated': True},
        {'stream': 'stderr', 'at': 3, 'text': 'after'},
    ]


CHILD = textwrap.dedent('''
    import json, os, sys, time
    from tally.capture.console_capture import ConsoleCapture
    from tally.console_lines import ConsoleLines

    lines = ConsoleLines()
    original_out, original_err = sys.stdout, sys.stderr
    capture = ConsoleCapture(lambda stream, text: lines.write(stream, text, int(time.time() * 1000)))
    print('one')
    print('two', file=sys.stderr)
    sys.stdout.write('partial ')
    sys.stdout.write('line\\n')
    sys.stdout.buffer.write(b'bytes caf\\xe9 ok\\n')
    sys.stdout.flush()
    sys.stderr.write('x\\udcff\\n')
    print('three')
    inner = ConsoleCapture(lambda stream, text: None)
    print('seen by the newer capture only')
    inner.restore()
    if hasattr(os, 'fork'):
        child = os.fork()
        if child == 0:
            lines.take(partial=True)
            print('from a forked child')
            sys.stdout.flush()
            os._exit(0 if lines.take(partial=True) == [] else 3)
        assert os.waitpid(child, 0)[1] == 0, 'the forked child recorded its own print'
    sys.stdout.writelines(['four\\n', 'five\\n'])
    capture.restore()
    capture.restore()
    print('after restore')
    taken = [(line['stream'], line['text']) for line in lines.take(partial=True)]
    assert sys.stdout is original_out and sys.stderr is original_err
    sys.stderr.write('RESULT ' + json.dumps(taken) + '\\n')
''')


def test_the_tee_records_both_streams_in_order_and_still_prints(tmp_path):
    script = tmp_path / 'child.py'
    script.write_text(CHILD)
    env = {**os.environ, 'PYTHONPATH': CLIENT, 'PYTHONIOENCODING': 'utf-8:surrogateescape'}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr.decode('utf-8', 'replace')
    out = done.stdout.decode('utf-8', 'replace').splitlines()
    err = done.stderr.decode('utf-8', 'replace').splitlines()
    # Still printed, every line, the bytes as written.
    forked = ['from a forked child'] if hasattr(os, 'fork') else []
    assert out == ['one', 'partial line', 'bytes caf\ufffd ok', 'three', 'seen by the newer capture only', *forked,
                   'four', 'five', 'after restore']
    assert b'bytes caf\xe9 ok\n' in done.stdout
    # stderr prints an undecodable character as Python always does (backslashreplace); stored, it is U+FFFD.
    assert err[:2] == ['two', 'x\\udcff']
    taken = json.loads(err[-1][len('RESULT '):])
    assert taken == [
        ['stdout', 'one'],
        ['stderr', 'two'],
        ['stdout', 'partial line'],
        ['stdout', 'bytes caf\ufffd ok'],
        ['stderr', 'x\ufffd'],
        ['stdout', 'three'],
        ['stdout', 'four'],
        ['stdout', 'five'],
    ]
