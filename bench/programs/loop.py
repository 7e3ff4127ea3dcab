# 10,000,000 iterations of a while loop with a counter and +=.
# The counter is a function local (the fast path in CPython), like the Lua
# `local` and the Node module-scope `let`; at module level (a dict global)
# CPython is roughly 1.5x slower, which would make the Gene target easier.
def main():
    i = 0
    while i < 10000000:
        i += 1
    print(i)


main()
