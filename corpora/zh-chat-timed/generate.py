"""Generate realistic Chinese e-commerce customer-service chat sessions WITH timestamps.

No public Chinese chat data carries message times, so the timing rules are exercised on sessions
made here: a seeded simulation of an online shop's service desk (售前咨询、物流、售后、投诉) with
agents in teams over three weeks. Each agent has their own pace (reaction time, typing speed,
habit of pasting long replies), so some sessions break the seed SLAs (greeting ≤ 15 s, reply ≤
20 s, typing ≥ 50 字/分钟, split long replies, follow-up ≤ 24 h, callback ≤ 3 days) and most don't.
Realistic export artefacts are kept on purpose: a shop bot greeting first, two agent messages in
the same second, a handful of messages without a time, customers who leave without answering.

    python3 corpora/zh-chat-timed/generate.py                  # rewrites sample.jsonl (seed 20261102, 200)
    python3 corpora/zh-chat-timed/generate.py --seed 7 -n 1000 -o /tmp/chats.jsonl

The same seed always gives the same file (tests check the committed sample against it).
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

TZ = timezone(timedelta(hours=8))
START_DAY = datetime(2026, 11, 2, tzinfo=TZ)
DAYS = 21
DEFAULT_SEED = 20261102
DEFAULT_N = 200
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Agent:
    id: str
    team: str
    react_s: float      # median seconds before starting to type a reply
    typing_cpm: float   # characters per minute while typing
    long_habit: float   # chance of pasting one long reply
    slow_greet: float   # chance of a late first greeting


AGENTS = [
    Agent("A011", "售前咨询组", 3.0, 130, 0.05, 0.02),
    Agent("A012", "售前咨询组", 4.0, 110, 0.10, 0.05),
    Agent("A015", "售前咨询组", 9.0, 70, 0.05, 0.20),
    Agent("A021", "物流专线", 3.5, 120, 0.02, 0.03),
    Agent("A023", "物流专线", 4.5, 100, 0.15, 0.08),
    Agent("A031", "售后一组", 3.0, 115, 0.35, 0.05),
    Agent("A032", "售后一组", 12.0, 45, 0.10, 0.25),
    Agent("A041", "售后二组", 3.5, 120, 0.20, 0.05),
    Agent("A044", "售后二组", 2.5, 150, 0.05, 0.02),
]
TEAM_QUEUES = {"售前咨询组": ["presale"], "物流专线": ["logistics"], "售后一组": ["return", "complaint", "invoice"],
               "售后二组": ["return", "complaint", "invoice"]}

PRODUCTS = ["蓝牙耳机", "羽绒服", "电饭煲", "儿童书包", "跑步鞋", "空气炸锅", "保温杯", "四件套", "电动牙刷", "行李箱"]
COLORS = ["黑色", "白色", "深蓝色", "浅灰色", "酒红色"]
COURIERS = ["顺丰", "中通", "韵达", "圆通", "京东物流"]
CITIES = ["杭州", "成都", "武汉", "西安", "苏州", "长沙", "郑州", "青岛"]

GREETINGS = ["您好，很高兴为您服务，请问有什么可以帮您？", "亲，您好~小店客服{name}为您服务，有什么可以帮您的吗？",
             "您好，欢迎光临，请问有什么可以帮到您呢？", "在的亲，请问有什么问题我可以帮您处理呢？"]
NAMES = ["小美", "小雨", "阿杰", "小林", "小唐", "小夏"]
CLOSINGS = ["请问还有其他可以帮到您的吗？", "还有其他问题随时联系我们哦，祝您生活愉快~",
            "感谢您的耐心等待，如果满意请给个好评哦，再见~", "好的亲，那先不打扰您了，有问题随时找我们，再见！"]
THANKS = ["好的，谢谢", "好的 谢谢啦", "行，知道了", "嗯嗯好的", "ok 谢谢", "好吧"]
HOLDS = ["好的，请您稍等，我帮您查询一下", "亲，稍等哈，这边帮您查一下", "请稍等，正在为您核实~"]
WAITED = ["让您久等了，", "不好意思久等了，", "亲，久等了，", ""]
BOT = "您好，欢迎光临本店，客服正在赶来，请先描述您的问题~"
OPENERS = ["在吗", "在吗？", "你好", "有人吗", "客服在吗", ""]


def order_no(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(12))


def scenario(kind: str, rng: random.Random) -> tuple[list[tuple[str, str]], dict]:
    """The dialogue for one session: ``(role, text)`` steps (``hold`` = agent hold + result)."""
    p, c = rng.choice(PRODUCTS), rng.choice(COLORS)
    o, courier, city = order_no(rng), rng.choice(COURIERS), rng.choice(CITIES)
    days = rng.choice([3, 4, 5, 6])
    info: dict = {"kind": kind}
    if kind == "presale":
        steps = [("customer", rng.choice([f"这个{p}还有{c}的吗", f"{p}{c}有现货吗？", f"请问{p}今天下单什么时候发货"])),
                 ("agent", f"亲，{c}的{p}目前有现货哦，今天16点前下单当天就能发出"),
                 ("customer", rng.choice(["发什么快递", "能发顺丰吗", "包邮吗"])),
                 ("agent", f"默认发{courier}，全国包邮的，偏远地区除外哈")]
    elif kind == "logistics":
        steps = [("customer", rng.choice([f"我的快递怎么还没到，都{days}天了", f"订单显示已发货{days}天了还没收到",
                                          "物流好几天没更新了"])),
                 ("agent", "亲，麻烦提供一下订单号，我帮您查询"),
                 ("customer", o),
                 ("hold", f"您的包裹目前在{city}中转站，{courier}那边反馈是因为中转积压延误了，预计明后天送达"),
                 ("customer", rng.choice(["那能催一下吗", "怎么这么慢", "好吧，那帮我催一下"]))]
        steps.append(("agent", "好的亲，已经帮您联系快递加急处理了，有进展第一时间通知您"))
        info["follow_up"] = rng.random() < 0.5
    elif kind == "return":
        steps = [("customer", rng.choice([f"{p}不想要了，怎么退货", f"买的{p}尺码不合适，能换吗", "申请退款怎么操作"])),
                 ("agent", "可以的亲，商品不影响二次销售的话支持七天无理由退换"),
                 ("customer", "运费谁出"),
                 ("agent", "如果是质量问题运费我们承担，非质量问题需要您先垫付寄回的运费哦")]
    elif kind == "invoice":
        steps = [("customer", rng.choice(["发票什么时候开", "我需要开增值税专用发票", "发票还没收到"])),
                 ("agent", "亲，麻烦提供一下订单号和开票抬头、税号"),
                 ("customer", f"{o} 抬头是{city}某某科技有限公司"),
                 ("agent", "好的，已经帮您登记了，财务开好后会发到您的邮箱，明天之内给您回复")]
        info["follow_up"] = True
    else:  # complaint
        steps = [("customer", rng.choice([f"收到的{p}是坏的，外包装都破了", f"你们的快递员态度太差了，{p}直接扔门口",
                                          f"{p}用了两天就坏了，我要投诉"])),
                 ("agent", "非常抱歉给您带来不好的体验，麻烦提供一下订单号和照片，我马上为您处理"),
                 ("customer", f"{o}，照片发你了"),
                 ("hold", "核实了亲，确实是运输过程中破损的，给您安排补发一件新的，或者全额退款，您看哪种方式可以"),
                 ("customer", rng.choice(["补发吧", "退款吧，不想要了", "补发，尽快"])),
                 ("agent", "好的，已经为您提交了，处理结果出来后我们会电话回访您")]
        info["follow_up"] = rng.random() < 0.4
        info["callback"] = True
    return steps, info


LONG_REPLIES = [
    "亲，这边跟您详细说明一下退换货的流程：首先请您在订单详情页面点击申请售后，选择退货退款或者换货，并填写原因、上传商品照片；"
    "客服审核通过后，系统会把退货地址发到您的手机上，请您在七天内把商品连同配件、赠品一起寄回，包裹里附一张写有订单号和手机号的纸条；"
    "仓库收到商品检查无误后，退款会在一到三个工作日内原路退回，换货的话会在收到后四十八小时内重新发出，整个过程可以在售后页面查看进度。",
    "亲，关于物流延误的情况给您说明一下：近期受天气和中转站货量影响，部分地区的快递会有一到三天的延误，我们已经和快递公司对接加急处理，"
    "包裹到达您所在城市的网点后会优先派送；如果超过五天物流信息仍然没有更新，您可以再联系我们，我们会为您登记丢件理赔，"
    "核实后按商品价格给您补发或者退款，给您带来不便非常抱歉，感谢您的理解和支持。",
]


def _typing_s(text: str, agent: Agent, rng: random.Random) -> float:
    cpm = max(20.0, rng.gauss(agent.typing_cpm, agent.typing_cpm * 0.15))
    return len(text) / cpm * 60.0


def session(idx: int, rng: random.Random) -> dict:
    agent = rng.choice(AGENTS)
    kind = rng.choice(TEAM_QUEUES[agent.team])
    day = START_DAY + timedelta(days=rng.randrange(DAYS))
    t = day + timedelta(hours=rng.randint(9, 21), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
    started = t
    turns: list[dict] = []

    def add(role: str, text: str, when: datetime) -> None:
        turns.append({"role": role, "text": text, "ts": when.isoformat()})

    steps, info = scenario(kind, rng)
    opener = rng.choice(OPENERS)
    first_customer = steps[0][1]
    add("customer", opener or first_customer, t)
    bot = rng.random() < 0.3
    if bot:
        add("bot", BOT, t + timedelta(seconds=1))
    late = rng.random() < agent.slow_greet
    greet_delay = rng.uniform(18, 75) if late else rng.lognormvariate(1.2, 0.5)
    t += timedelta(seconds=max(greet_delay, 1.5 if bot else 0.0))
    greeting = rng.choice(GREETINGS).format(name=rng.choice(NAMES))
    add("agent", greeting, t)
    if opener:
        t += timedelta(seconds=rng.uniform(4, 20))
        add("customer", first_customer, t)
    promised_at = None
    long_used = False
    for role, text in steps[1:]:
        if role == "customer":
            if rng.random() < 0.08:
                break  # the customer left without answering
            t += timedelta(seconds=rng.uniform(3, 25) + len(text) / 40 * 60 * rng.uniform(0.5, 1.0))
            add("customer", text, t)
            if rng.random() < 0.15:  # a second message in the same burst
                t += timedelta(seconds=rng.uniform(2, 9))
                add("customer", rng.choice(["在吗", "？", "急", "人呢"]), t)
            continue
        if role == "hold":
            t += timedelta(seconds=rng.lognormvariate(0.8, 0.4) + _typing_s(HOLDS[0], agent, rng) * 0.5)
            add("agent", rng.choice(HOLDS), t)
            t += timedelta(seconds=rng.uniform(30, 150))
            text = rng.choice(WAITED) + text
        else:
            react = rng.lognormvariate(0, 0.6) * agent.react_s
            canned = rng.random() < 0.6  # a quick phrase (快捷短语) is picked, not typed
            t += timedelta(seconds=react + (rng.uniform(1, 4) if canned else _typing_s(text, agent, rng)))
        add("agent", text, t)
        if "回复" in text or "回访" in text or "通知您" in text:
            promised_at = t.replace(microsecond=0)
        if not long_used and kind in ("return", "logistics", "complaint") and rng.random() < agent.long_habit:
            long_used = True
            t += timedelta(seconds=rng.choice([0, 0, 1, 2]))  # pasted: often the same second
            add("agent", LONG_REPLIES[0 if kind == "return" else 1], t)
    else:
        if rng.random() < 0.8:
            t += timedelta(seconds=rng.uniform(5, 30))
            add("customer", rng.choice(THANKS), t)
            if rng.random() < 0.85:  # else the agent lets the customer's thanks stand
                t += timedelta(seconds=rng.lognormvariate(0, 0.5) * agent.react_s + 3)
                add("agent", rng.choice(CLOSINGS), t)
    if rng.random() < 0.03 and len(turns) > 3:
        del turns[rng.randrange(1, len(turns) - 1)]["ts"]  # an export that lost one message's time
    meta: dict = {"queue": kind, "shop": "示例旗舰店"}
    if promised_at is not None:
        ups = []
        if info.get("follow_up"):
            hours = rng.choice([rng.uniform(1, 20), rng.uniform(1, 20), rng.uniform(20, 23.5), rng.uniform(25, 50)])
            ups.append({"kind": "follow_up", "promised_at": promised_at.isoformat(),
                        "done_at": (promised_at + timedelta(hours=hours)).replace(microsecond=0).isoformat()})
        if info.get("callback"):
            days = rng.choice([rng.uniform(0.2, 2.5), rng.uniform(0.5, 2.9), rng.uniform(3.2, 6)])
            ups.append({"kind": "callback", "promised_at": promised_at.isoformat(),
                        "done_at": (promised_at + timedelta(days=days)).replace(microsecond=0).isoformat()})
        if ups:
            meta["follow_ups"] = ups
    if rng.random() < 0.6:
        meta["csat"] = rng.choice([5, 5, 5, 4, 4, 3, 2, 1])
    for turn in turns:
        if "ts" in turn:
            turn["ts"] = datetime.fromisoformat(turn["ts"]).replace(microsecond=0).isoformat()
        if turn["role"] == "agent":
            turn["speaker"] = agent.id
    return {"id": f"zct-{idx:04d}", "channel": "chat", "language": "zh", "agent_id": agent.id, "team": agent.team,
            "started_at": started.isoformat(), "metadata": meta, "turns": turns}


def generate(seed: int = DEFAULT_SEED, n: int = DEFAULT_N) -> list[dict]:
    """``n`` sessions, sorted by start time, the same for the same seed."""
    rng = random.Random(seed)
    sessions = [session(i + 1, rng) for i in range(n)]
    sessions.sort(key=lambda s: (s["started_at"], s["id"]))
    return sessions


def dumps(sessions: list[dict]) -> str:
    return "".join(json.dumps(s, ensure_ascii=False, sort_keys=False) + "\n" for s in sessions)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("-n", type=int, default=DEFAULT_N)
    ap.add_argument("-o", "--output", default=str(HERE / "sample.jsonl"))
    args = ap.parse_args(argv)
    Path(args.output).write_text(dumps(generate(args.seed, args.n)), encoding="utf-8")


if __name__ == "__main__":
    main()
