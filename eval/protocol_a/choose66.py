"""The query set of the judge's fifth read (queries66.tsv): choose60.py's
rule with salt "pa66", the queries of every earlier set left out, and five
new SME texts written by hand before any output.

    python3 eval/protocol_a/choose66.py JP_TEST.jsonl > eval/protocol_a/queries66.tsv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from choose60 import pick  # noqa: E402

TEXTS = [
    "当社は精密ばねの製造業者です。ピアノ線とステンレス線のコイリング、ばねの熱処理と疲労試験、医療機器向けの微細なばねの量産を行っています。",
    "当社は業務用の冷凍冷蔵ショーケースを製造しています。冷媒回路の設計、霜取り運転の制御、断熱パネルの発泡成形とガラス扉の結露防止が得意です。",
    "当社は醸造用の発酵タンクと配管を製作するステンレス加工会社です。薄板の溶接、タンク内面の電解研磨、洗浄装置の設計と衛生配管の施工を行っています。",
    "当社は眼鏡レンズの加工会社です。レンズの研削と研磨、反射防止膜の真空蒸着、フレーム形状に合わせた玉型加工の装置を使っています。",
    "当社は物流倉庫の自動化を請け負っています。コンベヤと仕分け装置の設計、無人搬送車の走行制御、在庫管理システムとの連携を手がけています。",
]

if __name__ == "__main__":
    pick(sys.argv[1], "pa66", ("queries66.tsv",), TEXTS, "the judge's fifth read (the term as a word of its own on both sides)")
