"""The query set of the judge's sixth read (queries70.tsv): choose60.py's
rule with salt "pa70", the queries of every earlier set left out, and five
new SME texts written by hand before any output.

    python3 eval/protocol_a/choose70.py JP_TEST.jsonl > eval/protocol_a/queries70.tsv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from choose60 import pick  # noqa: E402

TEXTS = [
    "当社は鋳物の砂型鋳造を行う鋳造所です。鋳鉄とアルミ合金の溶解、砂型の造型と中子の製作、鋳物の仕上げと非破壊検査を手がけています。",
    "当社は農業用ハウスの環境制御装置を作っています。温度と湿度のセンサ、換気窓と遮光カーテンの駆動、養液の自動供給を組み合わせています。",
    "当社は印刷会社向けのインクを製造しています。顔料の分散、樹脂ワニスの調合、粘度と乾燥性の調整、紫外線硬化型インクの開発が得意です。",
    "当社は橋梁の点検と補修を行う建設コンサルタントです。コンクリートのひび割れの調査、鋼材の腐食の診断、ドローンによる撮影と劣化の記録をしています。",
    "当社は歯科技工所です。口腔内スキャナのデータから義歯と被せ物を設計し、ジルコニアの切削加工と陶材の焼成で仕上げています。",
]

if __name__ == "__main__":
    pick(sys.argv[1], "pa70", ("queries70.tsv",), TEXTS, "the judge's sixth read")
