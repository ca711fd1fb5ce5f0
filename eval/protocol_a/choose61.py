"""The query set of the judge's second read (queries61.tsv): choose60.py's
rule with salt "pa61", set 60's queries left out too, and five new SME
texts written by hand before any output.

    python3 eval/protocol_a/choose61.py JP_TEST.jsonl > eval/protocol_a/queries61.tsv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from choose60 import pick  # noqa: E402

TEXTS = [
    "当社は金属部品のめっき加工を行う中小企業です。無電解ニッケルめっきと硬質クロムめっきの膜厚管理、前処理の脱脂と酸洗いの工程管理を得意としています。",
    "当社は農業用ハウスの環境制御装置を作っています。温度・湿度・二酸化炭素濃度のセンサと、換気窓とカーテンを自動で開閉する制御盤が主力製品です。",
    "当社はプラスチックの射出成形メーカーで、金型の温度制御と、ガラス繊維入り樹脂の成形品の反りを抑える技術を持っています。",
    "当社は介護施設向けの見守りセンサを開発しています。ベッドに設置した圧力センサで離床や呼吸の異常を検知し、職員のスマートフォンに通知します。",
    "当社は醸造所で、日本酒の麹づくりと発酵温度の管理、酒粕を使った食品の開発を行っています。",
]

if __name__ == "__main__":
    pick(sys.argv[1], "pa61", ("queries61.tsv",), TEXTS, "the judge's second read (its bands and list)")
