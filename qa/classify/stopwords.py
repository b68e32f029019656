"""A small stop-word list for keyword suggestion, written for qa (function words, pronouns, fillers).

Deliberately short: words that carry complaint meaning in combination (不, 没, 太, 还, still, not)
are *not* here, so they survive inside bigrams such as 太慢 / 还没 / "still waiting"; single tokens
that are only such words are dropped by :func:`qa.classify.suggest.usable`.
"""

ZH = frozenset("""
的 了 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 这些 那些 就 都 也 和 与 及 或 在 有 把 被 给 对 从 向 到
吧 吗 呢 啊 呀 哦 嗯 哈 嘛 啦 哎 唉 个 一 一个 一下 一点 些 点 吃 说 要 会 能 可以 让 去 来 上 下 里 又 再 才 而 但
但是 可是 因为 所以 如果 然后 还是 就是 而且 已经 自己 什么 怎么 为 之 得 地 着 过 等 多 少 很 非常 比较 真的 感觉
觉得 知道 时候 现在 今天 这次 一次 次 还有 没有 不是 还 又 也是 就是 个人 东西 商家 外卖 订 点的 份
""".split())

EN = frozenset("""
a an the i me my mine you your yours he him his she her it its we us our they them their this that these those
is am are was were be been being do does did have has had will would shall should can could may might must
and or but if then so because as of at by for with about into onto from to in on up down out over under again
there here when where what which who whom how all any both each few more most other some such only own same
than too very just also please hi hello thanks thank get got one two
""".split())


def for_language(language: str) -> frozenset:
    return ZH if language.startswith("zh") else EN
