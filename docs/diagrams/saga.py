#!/usr/bin/env python3
"""Writes saga.dot: the booking saga as a sequence diagram drawn by Graphviz (one column per
participant, one row per step). Graphviz has no sequence diagrams; lifelines are chains of
invisible points ranked row by row. Run by scripts/docs.sh (make docs)."""
import os

P = [("owner", "宠物主人"), ("order", "order 服务"), ("boarding", "boarding 服务"), ("pet", "pet 服务"),
     ("payment", "payment 服务"), ("js", "NATS JetStream"), ("provider", "寄养服务商")]
# (from, to, label, kind); kind: call | reply | self | event | comp (compensation)
S = [
    ("owner", "order", "① POST /orders（Idempotency-Key）", "call"),
    ("order", "order", "② 事务：订单 creating + pet_night（同一宠物同一晚只能一单）", "self"),
    ("order", "boarding", "③ PUT /internal/v1/holds/{order}：Redis 锁 + 条件 UPDATE", "call"),
    ("boarding", "order", "④ held（或 fully_booked → 订单 failed，409）", "reply"),
    ("order", "order", "⑤ 事务：pending_payment + 历史 + 发件箱 order.created", "self"),
    ("order", "owner", "⑥ 201：待支付，pay_before 截止", "reply"),
    ("owner", "payment", "⑦ POST /payments → 沙箱支付 → 签名回调", "call"),
    ("payment", "payment", "⑧ 事务：支付成功 + 账本 + 发件箱 payment.succeeded", "self"),
    ("payment", "js", "⑨ 中继发布（消息 id = 事件 id，重复被丢弃）", "event"),
    ("js", "order", "⑩ payment.succeeded（持久消费者，processed_event 去重）", "event"),
    ("order", "order", "⑪ 事务：paid + accept_before + 发件箱 order.paid", "self"),
    ("provider", "order", "⑫ 接单 → confirmed", "call"),
    ("order", "pet", "⑬ 授权服务商在寄养期间查看宠物", "call"),
    ("provider", "order", "补偿 A：服务商拒单或超时未接单（主人取消同理）", "comp"),
    ("order", "boarding", "补偿 B：DELETE /internal/v1/holds/{order} 释放容量（幂等）", "comp"),
    ("order", "js", "补偿 C：同一事务写发件箱 order.refund_requested", "comp"),
    ("js", "payment", "补偿 D：按取消政策退款，发布 refund.succeeded", "comp"),
]
COLOR = {"call": "#333333", "reply": "#333333", "event": "#7a4ac4", "comp": "#c0392b"}


def main():
    out = ["// The booking saga as a sequence (written by saga.py; rendered by make docs). It follows",
           "// docs/consistency.md section 3: black the normal path, purple events, red compensations.",
           "digraph saga {",
           '    graph [rankdir=TB, splines=false, nodesep=1.6, ranksep=0.28, fontname="Noto Sans CJK SC", fontsize=15, labelloc=t,',
           '           label="预订 saga：编排者 order 服务；每一步幂等，每个失败都有补偿（红色）"]',
           '    node [fontname="Noto Sans CJK SC", fontsize=11]',
           '    edge [fontname="Noto Sans CJK SC", fontsize=10]']
    rows = len(S) + 1
    for p, label in P:
        out.append(f'    {p}_h [label="{label}", shape=box, style="rounded,filled", fillcolor="#fff7ec", color="#d9822b"]')
        for r in range(rows):
            out.append(f'    {p}_{r} [shape=point, width=0.01, height=0.01, label=""]')
        chain = " -> ".join([f"{p}_h"] + [f"{p}_{r}" for r in range(rows)])
        out.append(f'    {chain} [arrowhead=none, style=dashed, color="#bbbbbb", weight=100]')
    for r in range(rows):
        out.append("    { rank=same; " + "; ".join(f"{p}_{r}" for p, _ in P) + " }")
    out.append("    { rank=same; " + "; ".join(f"{p}_h" for p, _ in P) + " }")
    out.append("    " + " -> ".join(f"{p}_h" for p, _ in P) + " [style=invis]")
    for r, (a, b, label, kind) in enumerate(S, start=1):
        if kind == "self":
            out.append(f'    {a}_{r} [shape=box, style="filled", fillcolor="#eef5ff", color="#4a79c4", fontsize=10, '
                       f'width=0, height=0, label="{label}"]')
            continue
        dashed = " style=dashed," if kind == "reply" else ""
        out.append(f'    {a}_{r} -> {b}_{r} [xlabel="{label}",{dashed} color="{COLOR[kind]}", '
                   f'fontcolor="{COLOR[kind]}", constraint=false]')
    out.append("}")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "saga.dot"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
