#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks that tools/install-deps.sh installs every Debian package whose
files the build and the tests use.

A machine that already has a package (cmake, say) hides its absence from
install-deps.sh until someone builds on a machine without it. So instead of
trusting the list, this collects the files the build actually used and asks
dpkg which package each comes from:

  - the headers every object was compiled with (`ninja -t deps`);
  - the libraries and static archives on the link lines (build.ninja);
  - the programs the build rules run (build.ninja's `command =` lines);
  - the programs meson found at setup, for the build and for the tests
    (meson-log.txt: the compiler and linker, "Program ... found", "Found
    CMake", "Found pkg-config", "Found ninja"), and the Python modules it
    checked for ("Program python3 (jsonschema) found");
  - the font files Graphviz gets for the faces the DOT renderer names.

A package is accounted for if install-deps.sh lists it, or if it is in the
Depends/Pre-Depends closure of the listed and the Essential packages (dpkg
and apt keep those on every Debian system), with each alternative "a | b"
resolved to the first one this machine has.

Usage: check_install_deps.py --install-deps tools/install-deps.sh
                             --build-dir build [--meson-log FILE]
Exit 0: all accounted for; 1: a package is missing (each is named with the
files that need it); 2: bad input.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

# Meson runs the compiler through ccache when it finds ccache, and without
# it otherwise: an accelerator a machine may have, never a requirement.
OPTIONAL_PROGRAMS = {'ccache'}


def fail_input(message):
    print(f'check_install_deps: {message}', file=sys.stderr)
    sys.exit(2)


def listed_packages(install_deps):
    """The words of the `packages=( ... )` array of install-deps.sh."""
    try:
        text = open(install_deps, encoding='utf-8').read()
    except OSError as e:
        fail_input(f'{install_deps}: {e.strerror}')
    match = re.search(r'^packages=\((.*?)^\)', text, re.S | re.M)
    if not match:
        fail_input(f'{install_deps}: no packages=( ... ) array')
    words = []
    for line in match.group(1).splitlines():
        words += line.split('#', 1)[0].split()
    return words


def project_dirs(build_dir):
    """The source and build directories, which hold no package's files."""
    info = os.path.join(build_dir, 'meson-info', 'meson-info.json')
    try:
        with open(info, encoding='utf-8') as f:
            source = json.load(f)['directories']['source']
    except (OSError, ValueError, KeyError) as e:
        fail_input(f'{info}: {e}')
    return [os.path.realpath(source), os.path.realpath(build_dir)]


def under(path, dirs):
    real = os.path.realpath(path)
    return any(real == d or real.startswith(d + os.sep) for d in dirs)


def header_files(build_dir):
    """Absolute paths of the headers in the objects' recorded deps."""
    out = subprocess.run(['ninja', '-C', build_dir, '-t', 'deps'], check=True,
                         capture_output=True, text=True).stdout
    files = set()
    for line in out.splitlines():
        path = line.strip()
        if line.startswith((' ', '\t')) and os.path.isabs(path):
            files.add(os.path.normpath(path))
    return files


def build_ninja_files(build_dir):
    """The archives and libraries on the link lines and the programs the
    rules run, as absolute paths."""
    files = set()
    text = open(os.path.join(build_dir, 'build.ninja'), encoding='utf-8').read()
    for args in re.findall(r'^ LINK_ARGS = (.*)$', text, re.M):
        for word in args.split():
            if os.path.isabs(word):
                files.add(os.path.normpath(word))
            elif word.startswith('-l'):
                lib = subprocess.run(['c++', f'-print-file-name=lib{word[2:]}.so'],
                                     check=True, capture_output=True, text=True).stdout.strip()
                if os.path.isabs(lib):
                    files.add(os.path.normpath(lib))
    # The rules' commands and the custom targets' (" COMMAND = ...").
    for command in re.findall(r'^ command = (.*)$', text, re.M | re.I):
        for step in re.split(r'&&|;', command):
            for word in step.split()[:2]:
                files |= program_files(word)
                if word not in OPTIONAL_PROGRAMS:
                    break  # "ccache c++": the compiler is the second word
    return files


def program_files(word):
    """A program named on a command line, if it is a file outside the
    build (a path, or a name found on PATH)."""
    if word in OPTIONAL_PROGRAMS or word.startswith('$'):
        return set()
    if os.path.isabs(word):
        return {word}
    if '/' in word:
        return set()  # a program the build made
    path = shutil.which(word)
    return {path} if path else set()


def meson_log_files(log):
    """The programs and Python modules meson found at setup."""
    try:
        text = open(log, encoding='utf-8').read()
    except OSError as e:
        fail_input(f'{log}: {e.strerror}')
    files = set()
    for line in text.splitlines():
        m = re.match(r'C\+\+ (?:compiler|linker) for the host machine: (.*)$', line)
        if m:
            for word in m.group(1).split(' (')[0].split():
                files |= program_files(word)
        m = re.match(r'Program (\S+)(?: \(([^)]*)\))? found: YES \((\S+?)[ )](.*)$', line)
        if m:
            program = m.group(3)
            files.add(program)
            for module in (m.group(2) or '').replace(',', ' ').split():
                files.add(python_module_file(program, module))
        m = re.match(r'Found (?:CMake|pkg-config): (\S+)', line) or \
            re.match(r'Found ninja-\S+ at (\S+)', line)
        if m:
            files.add(m.group(1))
    return files


# The faces the DOT renderer names (sim/trace/dot.cpp: fontname Helvetica,
# <B> and <I> labels). Graphviz asks fontconfig for them at run time, and the
# face it gets sets the text widths in the SVG that test_render compares
# with docs/: a machine without the oblique face renders italics another
# width. No build or link line shows these files.
RENDER_FACES = ['Helvetica', 'Helvetica:bold', 'Helvetica:italic']


def font_files():
    """The font files fontconfig picks for RENDER_FACES."""
    files = set()
    for face in RENDER_FACES:
        out = subprocess.run(['fc-match', '-f', '%{file}', face], capture_output=True,
                             text=True)
        if out.returncode != 0 or not os.path.isabs(out.stdout):
            fail_input(f'fc-match {face}: no font file ({out.stderr.strip()})')
        files.add(out.stdout)
    return files


def python_module_file(python, module):
    out = subprocess.run([python, '-c', f'import {module}; print({module}.__file__)'],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return f'{python}: python module {module}'  # owned by no package: reported
    return out.stdout.strip()


def aliases(path):
    """The spellings dpkg may know a file by: Debian 12 merges /bin, /sbin
    and /lib into /usr, while packages still list the old paths; and
    alternatives (/usr/bin/c++) are symlinks that no package owns."""
    real = os.path.realpath(path)
    out = []
    for p in (path, real):
        out.append(p)
        for top in ('/bin/', '/sbin/', '/lib/', '/lib64/'):
            if p.startswith('/usr' + top):
                out.append(p[len('/usr'):])
            elif p.startswith(top):
                out.append('/usr' + p)
    return list(dict.fromkeys(out))


def owners(files):
    """{file: set of packages}; a file no package owns maps to an empty set."""
    candidates = {f: aliases(f) for f in files}
    queries = sorted({a for names in candidates.values() for a in names if os.path.exists(a)})
    owned = {}
    if queries:
        out = subprocess.run(['dpkg-query', '-S', *queries], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            if line.startswith('diversion by '):
                continue
            packages, _, path = line.partition(': ')
            owned[path] = {p.strip().split(':')[0] for p in packages.split(',')}
    return {f: next((owned[a] for a in names if a in owned), set())
            for f, names in candidates.items()}


def installed():
    """{package: (essential, [dependency alternatives]) } and
    {virtual name: [packages providing it]}, of the installed packages."""
    out = subprocess.run(
        ['dpkg-query', '-W', '-f',
         '${db:Status-Abbrev}\t${Package}\t${Essential}\t${Pre-Depends}\t${Depends}\t${Provides}\n'],
        check=True, capture_output=True, text=True).stdout
    packages, provides = {}, {}

    def names(field):
        return [[alt.split()[0].split(':')[0] for alt in group.split('|')]
                for group in field.split(',') if group.strip()]

    for line in out.splitlines():
        status, name, essential, pre, depends, provided = line.split('\t')
        if not status.startswith('ii'):
            continue
        groups = names(pre) + names(depends)
        packages[name] = (essential == 'yes', groups)
        for group in names(provided):
            provides.setdefault(group[0], []).append(name)
    return packages, provides


def closure(roots, packages, provides):
    """The packages installing `roots` installs: their Depends and
    Pre-Depends, each alternative group resolved to its first member this
    machine satisfies (a package, or a virtual name an installed package
    provides)."""
    seen = set()
    todo = [r for r in roots if r in packages]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for group in packages[name][1]:
            for alt in group:
                if alt in packages:
                    todo.append(alt)
                    break
                if alt in provides:
                    todo += provides[alt]
                    break
    return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--install-deps', required=True)
    parser.add_argument('--build-dir', required=True)
    parser.add_argument('--meson-log')
    args = parser.parse_args()
    log = args.meson_log or os.path.join(args.build_dir, 'meson-logs', 'meson-log.txt')
    if not os.path.exists(os.path.join(args.build_dir, 'build.ninja')):
        fail_input(f'{args.build_dir}: no build.ninja (run meson setup first)')

    listed = listed_packages(args.install_deps)
    packages, provides = installed()
    not_installed = [p for p in listed if p not in packages]
    if not_installed:
        fail_input(f'{args.install_deps} lists packages this machine lacks: '
                   f'{" ".join(not_installed)} (run it first)')
    essential = [p for p, (e, _) in packages.items() if e]
    have = closure(listed + essential, packages, provides)

    files = (header_files(args.build_dir) | build_ninja_files(args.build_dir) |
             meson_log_files(log) | font_files())
    # The project's own files: a unity build's generated sources include the
    # sources by absolute path (ccache with a base_dir would have made them
    # relative, which hid this until a build without it).
    files = {f for f in files if not under(f, project_dirs(args.build_dir))}
    owned = owners(files)
    missing = {}  # package (or a note for an unowned file) -> files
    for path, pkgs in sorted(owned.items()):
        if not pkgs:
            missing.setdefault('(not from a Debian package)', []).append(path)
        elif not pkgs & have:
            missing.setdefault(' or '.join(sorted(pkgs)), []).append(path)

    for package, paths in sorted(missing.items()):
        more = f' and {len(paths) - 1} more' if len(paths) > 1 else ''
        print(f'{package}: not installed by {args.install_deps}, used for {paths[0]}{more}')
    if missing:
        return 1
    used = {p for pkgs in owned.values() for p in pkgs}
    print(f'{len(files)} files from {len(used)} packages, all installed by {args.install_deps}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
