def test_pii_finding_carries_the_masked_number_not_the_number(qa_score):
    r = qa_score("finance-compliance", [("customer", "我的卡号是6222021234567894"),
                                        ("agent", "好的，您的卡号6222021234567894，我帮您查一下")])
    [f] = r["findings"]
    assert f["rule"] == "finance.pii.bank_card" and f["turn"] == 1
    assert f["span"] == [7, 23] and f["evidence"] == "6222********7894"
    assert "6222021234567894" not in f["message"] and f["extra"]["kind"] == "bank_card"
    assert r["score"] == 0.0 and r["fatal"]  # critical rule, fatal policy zero


def test_customer_saying_their_own_number_is_not_a_finding(qa_score):
    r = qa_score("finance-compliance", [("customer", "身份证11010519491231002X"), ("agent", "收到，已为您核实")])
    assert r["findings"] == []


def test_disclosure_after_the_sale_is_reported_with_the_turns(qa_score):
    r = qa_score("finance-compliance", [
        ("agent", "给您推荐一款理财产品，年化3.8%"), ("customer", "行，帮我买五万"), ("agent", "好的，理财有风险")])
    [f] = r["findings"]
    assert f["rule"] == "finance.risk_disclosure" and f["turn"] == 0 and f["evidence"] == "理财产品"
    assert "after the commitment in turn 1" in f["message"]


def test_not_a_sales_conversation_makes_disclosure_not_applicable(qa_score):
    r = qa_score("finance-compliance", "您的快递明天送达")
    assert "finance.risk_disclosure" in r["not_applicable"]
