"""The query set of the judge's fourth read (queries64.tsv): choose60.py's
rule with salt "pa64", the queries of every earlier set left out, and five
new SME texts written by hand before any output.

    python3 eval/protocol_a/choose64.py JP_TEST.jsonl > eval/protocol_a/queries64.tsv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from choose60 import pick  # noqa: E402

TEXTS = [
    "当社は食品工場向けの包装機械メーカーです。ピロー包装機とトレー詰めのロボット、シール部の温度制御と異物検査カメラの組み込みを手がけています。",
    "当社は自動車部品の金属プレス加工を行っています。順送金型の設計製作、高張力鋼板の成形、プレス品のバリ取りと溶接組立の技術があります。",
    "当社は木製家具の製造業者です。無垢材の乾燥と曲げ加工、ウレタン塗装、NCルータによる部材の切削を社内で行っています。",
    "当社は施設園芸向けの温室を施工しています。ハウス内の温湿度と二酸化炭素濃度の制御、養液栽培の給液装置、遮光カーテンの自動開閉を提供しています。",
    "当社はラベル印刷会社です。フレキソ印刷とデジタル印刷、粘着ラベルの抜き加工、可変データ印刷によるバーコードの印字を得意としています。",
]

if __name__ == "__main__":
    pick(sys.argv[1], "pa64", ("queries64.tsv",), TEXTS, "the judge's fourth read (the term generator, the margin bands)")
