"""The query set of the judge's third read (queries62.tsv): choose60.py's
rule with salt "pa62", the queries of sets 60 and 61 left out too, and five
new SME texts written by hand before any output.

    python3 eval/protocol_a/choose62.py JP_TEST.jsonl > eval/protocol_a/queries62.tsv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from choose60 import pick  # noqa: E402

TEXTS = [
    "当社は産業用ポンプとバルブの修理・保守を行う会社です。メカニカルシールの交換、羽根車の摩耗診断、振動測定による故障予知を得意としています。",
    "当社は歯科技工所です。ジルコニアの切削加工による歯冠の製作と、口腔内スキャナのデータからの設計、セラミックの焼成と色合わせの技術があります。",
    "当社は物流倉庫の運営会社で、バーコードとRFIDによる在庫管理、ピッキング作業の動線設計、段ボール梱包の自動化に取り組んでいます。",
    "当社は水処理装置のメーカーです。工場排水の凝集沈殿処理、膜ろ過による再利用、汚泥の脱水機を設計・製造しています。",
    "当社は眼鏡レンズの加工と販売を行っています。レンズの研磨と反射防止コーティング、フレームに合わせた玉型加工の設備を持っています。",
]

if __name__ == "__main__":
    pick(sys.argv[1], "pa62", ("queries62.tsv",), TEXTS, "the judge's third read (the pool and the sense check)")
