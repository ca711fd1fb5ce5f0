#!/bin/sh
# A worksheet the page holds (GET), a CLI decision on the same sheet, then
# the page's POST of what it held plus one decision, naming the version it
# loaded (as the page does since): 409, the CLI's decision kept.
# usage: ws_lost.sh INDEX   (a copy of the sample index)
T=$(cd "$(dirname "$0")/../../.." && pwd)/build/tenyo
W=$(mktemp -d); cp "$1" $W/x.tny; cd $W
$T serve x.tny --port 18931 -q & S=$!; sleep 1
B=http://127.0.0.1:18931
curl -s -X POST $B/api/worksheet -d '{"tenyo_worksheet":1,"patent":"SAMPLE-001","strike":[],"cards":[{"field":"G08B","decision":"kept"}]}'; echo
KEY=$(curl -s "$B/api/worksheet?patent=SAMPLE-001" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
HELD=$(curl -s "$B/api/worksheet?patent=SAMPLE-001" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["worksheet"]))')
VER=$(curl -s "$B/api/worksheet?patent=SAMPLE-001" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"version\"])")
$T ideas x.tny SAMPLE-001 --worksheet x.tny.worksheets/$KEY.json --reject G07C >/dev/null
echo "after the CLI: $(grep -c G07C x.tny.worksheets/$KEY.json) G07C"
echo "$HELD" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["cards"].append({"field":"G05B","decision":"kept"}); print(json.dumps(d))' |
  curl -s -X POST "$B/api/worksheet?version=$VER" --data-binary @- -o /dev/null -w 'POST %{http_code}\n'
echo "after the page's POST: $(grep -c G07C x.tny.worksheets/$KEY.json) G07C (the CLI's rejection)"
kill $S; wait $S 2>/dev/null; rm -rf $W
