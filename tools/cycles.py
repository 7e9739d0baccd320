#!/usr/bin/env python3
"""cycles.py - prints the call cycles between the files of the given folders, read from the built
objects' symbols (nm): a file calls another when it uses a symbol the other defines.

Usage: tools/cycles.py OBJDIR FOLDER... [--allow FILE]... [--src DIR]
  OBJDIR   the build's object folder (build-asan/obj); FOLDER a source folder under it (core)
  --src    where the sources are (default .): an object without its source is left over and skipped
  --allow  a file (cgi-bin/routes.c) whose cycles are expected: the route table calls every
           handler and main.c runs the loop, so their edges are left out.
Prints one line per cycle (a strongly connected set of files, with one closed path through it)
and exits 1 when there is any; a symbol is read from nm, so a cycle through static functions
inside one file is no cycle between files and is not counted.
"""
import os
import subprocess
import sys


def symbols(obj):
    # nm -P: "name type [value size]"; U undefined, everything else upper-case is defined here.
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True, text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind.isupper() and kind not in ("N",):
            defined.add(name)
    return defined, used


def sccs(nodes, edges):
    # Tarjan's algorithm, iterative so a deep graph cannot hit Python's recursion limit.
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def path_through(comp, edges):
    # One closed path from the first file of the set back to itself, inside the set (BFS).
    inside = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges.get(v, ())):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in inside and w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def main(argv):
    allow, folders, args, srcdir = set(), [], argv[1:], "."
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    objdir = args.pop(0)
    while args:
        a = args.pop(0)
        if a == "--allow":
            allow.add(args.pop(0))
        elif a == "--src":
            srcdir = args.pop(0)
        else:
            folders.append(a.rstrip("/"))
    files = {}
    for folder in folders:
        d = os.path.join(objdir, folder)
        if not os.path.isdir(d):
            print(f"cycles: no objects in {d} (build first)", file=sys.stderr)
            return 2
        for name in sorted(os.listdir(d)):
            if name.endswith(".o"):
                src = os.path.join(folder, name[:-2])
                src += ".cc" if os.path.exists(os.path.join(srcdir, src + ".cc")) else ".c"
                if not os.path.exists(os.path.join(srcdir, src)):
                    continue  # left over from a file since removed or renamed
                files[src] = symbols(os.path.join(d, name))
    owner = {}
    for f, (defined, _) in files.items():
        for s in defined:
            owner.setdefault(s, f)
    edges = {}
    for f, (_, used) in files.items():
        if f in allow:
            continue
        for s in used:
            g = owner.get(s)
            if g and g != f and g not in allow:
                edges.setdefault(f, set()).add(g)
    comps = sccs(files.keys(), edges)
    for c in comps:
        print("cycle: " + " -> ".join(path_through(c, edges)) +
              (f"   (set of {len(c)}: {' '.join(c)})" if len(c) > 2 else ""))
    print(f"{len(comps)} cycle(s) between {len(files)} files of {' '.join(folders)}")
    return 1 if comps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
