"""Git state from a real temporary repository, as git.test.ts."""
import subprocess

from tally.capture.git import MAX_DIFF_CHARS, git_diff, git_info, parse_status, strip_credentials


def git(cwd, *args):
    return subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@example.com', *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_reads_commit_branch_remote_without_credentials_and_dirty(tmp_path):
    git(tmp_path, 'init', '-q', '-b', 'main')
    (tmp_path / 'train.py').write_text('print(1)\n')
    git(tmp_path, 'add', 'train.py')
    git(tmp_path, 'commit', '-q', '-m', 'first')
    git(tmp_path, 'remote', 'add', 'origin', 'https://alice:s3cret@example.com/team/models.git')
    commit = git(tmp_path, 'rev-parse', 'HEAD')
    assert git_info(str(tmp_path)) == {'commit': commit, 'branch': 'main',
                                       'remote': 'https://example.com/team/models.git', 'dirty': False}
    assert git_diff(str(tmp_path)) == ('', False)

    (tmp_path / 'train.py').write_text('print(2)\n')
    assert git_info(str(tmp_path))['dirty'] is True
    diff, truncated = git_diff(str(tmp_path))
    assert '-print(1)\n+print(2)\n' in diff and truncated is False


def test_a_huge_diff_is_cut_and_marked(tmp_path):
    git(tmp_path, 'init', '-q')
    (tmp_path / 'data.txt').write_text('a\n')
    git(tmp_path, 'add', 'data.txt')
    git(tmp_path, 'commit', '-q', '-m', 'first')
    (tmp_path / 'data.txt').write_text('line of text\n' * (MAX_DIFF_CHARS // 10))
    diff, truncated = git_diff(str(tmp_path))
    assert truncated is True and len(diff) == MAX_DIFF_CHARS


def test_a_detached_head_has_no_branch_and_no_origin_no_remote(tmp_path):
    git(tmp_path, 'init', '-q')
    git(tmp_path, 'commit', '-q', '--allow-empty', '-m', 'first')
    git(tmp_path, 'checkout', '-q', '--detach')
    info = git_info(str(tmp_path))
    assert (info['branch'], info['remote'], info['dirty']) == (None, None, False)
    assert len(info['commit']) >= 40


def test_is_none_outside_a_repository(tmp_path):
    assert git_info(str(tmp_path)) is None
    assert git_diff(str(tmp_path)) is None


def test_parse_status_has_no_commit_in_a_repository_without_one():
    assert parse_status('# branch.oid (initial)\n# branch.head main\n') == {'commit': None, 'branch': 'main',
                                                                             'remote': None, 'dirty': False}


def test_strip_credentials_drops_user_and_password_or_token_and_leaves_other_forms():
    assert strip_credentials('https://user:pass@github.com/a/b.git') == 'https://github.com/a/b.git'
    assert strip_credentials('https://ghp_token@github.com/a/b.git') == 'https://github.com/a/b.git'
    assert strip_credentials('ssh://git@host:22/a/b.git') == 'ssh://host:22/a/b.git'
    assert strip_credentials('git@github.com:a/b.git') == 'git@github.com:a/b.git'
    assert strip_credentials('/srv/repos/b.git') == '/srv/repos/b.git'
