#!/usr/bin/env python3
"""Import cycles between the top-level modules of app/src (issue 20).

An edge A -> B is any `crate::B` path in A's files (comments ignored; `--no-tests` also ignores `#[cfg(test)]`
modules, which come last in a file). Prints the strongly connected components with more than one module, for the
whole crate and for the domain modules alone, and the pairs of modules that import each other.
Usage: python3 scripts/import-cycles.py [--no-tests] [repository root]
"""
import os
import re
import sys

DOMAIN = {"accounts", "campaigns", "charter", "content", "creators", "escalations", "metrics", "outbox",
          "outreach", "pool"}


def edges_of(root, no_tests):
    src = os.path.join(root, "app/src")
    mods = {n[:-3] for n in os.listdir(src) if n.endswith(".rs") and n != "lib.rs"}
    mods |= {n for n in os.listdir(src) if os.path.isdir(os.path.join(src, n))}
    edges = {m: set() for m in mods}
    for m in mods:
        path = os.path.join(src, m)
        files = [path + ".rs"] if not os.path.isdir(path) else [
            os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs if f.endswith(".rs")]
        for f in files:
            text = re.sub(r"//[^\n]*", "", open(f).read())
            if no_tests:
                text = re.split(r"#\[cfg\((?:all\()?test", text)[0]
            names = re.findall(r"\bcrate::([a-z_]+)", text)
            for group in re.findall(r"crate::\{([^;]*)\}", text, re.S):
                names += re.findall(r"(?:^|[,{\s])([a-z_]+)(?=::|\s*[,}]|$)", group)
            edges[m] |= {x for x in names if x in mods and x != m}
    return edges


def sccs(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def main():
    args = [a for a in sys.argv[1:] if a != "--no-tests"]
    edges = edges_of(args[0] if args else ".", "--no-tests" in sys.argv)
    whole = sccs(edges)
    domain = {m: {x for x in e if x in DOMAIN} for m, e in edges.items() if m in DOMAIN}
    mutual = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges[b]})
    print(f"whole crate: {len(whole)} cycle(s) (strongly connected components): {whole}")
    print(f"domain modules: {len(sccs(domain))} cycle(s): {sccs(domain)}")
    print(f"modules importing each other: {len(mutual)}: {mutual}")


if __name__ == "__main__":
    main()
