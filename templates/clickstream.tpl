{{!--
  Clickstream events for schemas/clickstream.schema.json, one JSON object per line.
  Each variant is one kind of event, so fields that belong together stay together
  (only purchases carry amount, currency and items). Weights are relative.
  Helpers mix the original generator's faker 3 names (random.number, random.arrayElement...)
  with today's faker names (string.uuid, commerce.productName...); both work.
  User agents come from a short list: faker's internet.userAgent is about 30x slower than a list pick.
--}}
{{#variant weight=64 name=browse}}
{
  "event_id": "{{string.uuid}}",
  "event_type": "{{random.weightedArrayElement({"weights":[0.62,0.3,0.08],"data":["page_view","click","heartbeat"]})}}",
  "customer_id": "C{{random.number({"min":100000,"max":999999})}}",
  "session_id": "{{random.alphaNumeric(20)}}",
  "timestamp": "{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}",
  "event_date": "{{date.utc("YYYY-MM-DD")}}",
  "page": {
    "url": "https://shop.example.com/products/{{lorem.slug(2) as slug}}",
    "path": "/products/{{$slug}}",
    "title": "{{commerce.productName}}",
    "referrer": {{random.weightedArrayElement({"weights":[0.5,0.3,0.2],"data":["null","\"https://www.google.com/\"","\"https://www.bing.com/\""]})}}
  },
  "device": {
    "type": "{{random.weightedArrayElement({"weights":[0.55,0.38,0.07],"data":["mobile","desktop","tablet"]})}}",
    "os": "{{random.arrayElement(["iOS","Android","Windows","macOS","Linux"])}}",
    "browser": "{{random.arrayElement(["Chrome","Safari","Firefox","Edge"])}}",
    "user_agent": "{{random.arrayElement(["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1","Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36","Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15","Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"])}}"
  },
  "customer": {
    "email": "{{internet.email}}",
    "segment": "{{random.weightedArrayElement({"weights":[0.6,0.3,0.1],"data":["regular","new","vip"]})}}",
    "lifetime_orders": {{random.number(250)}}
  },
  "tags": {{random.arrayElements(["sale","new","gift","clearance","featured"], 2)}}
}
{{/variant}}
{{#variant weight=14 name=search}}
{
  "event_id": "{{string.uuid}}",
  "event_type": "search",
  "customer_id": "C{{random.number({"min":100000,"max":999999})}}",
  "session_id": "{{random.alphaNumeric(20)}}",
  "timestamp": "{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}",
  "event_date": "{{date.utc("YYYY-MM-DD")}}",
  "search_query": "{{commerce.productAdjective}} {{commerce.product}}",
  "page": {
    "url": "https://shop.example.com/search?q={{commerce.product as query}}",
    "path": "/search",
    "title": "Search results for {{$query}}",
    "referrer": "https://shop.example.com/"
  },
  "device": {
    "type": "{{random.weightedArrayElement({"weights":[0.55,0.38,0.07],"data":["mobile","desktop","tablet"]})}}",
    "os": "{{random.arrayElement(["iOS","Android","Windows","macOS","Linux"])}}",
    "browser": "{{random.arrayElement(["Chrome","Safari","Firefox","Edge"])}}",
    "user_agent": "{{random.arrayElement(["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1","Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36","Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15","Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"])}}"
  }
}
{{/variant}}
{{#variant weight=14 name=add_to_cart}}
{
  "event_id": "{{string.uuid}}",
  "event_type": "add_to_cart",
  "customer_id": "C{{random.number({"min":100000,"max":999999})}}",
  "session_id": "{{random.alphaNumeric(20)}}",
  "timestamp": "{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}",
  "event_date": "{{date.utc("YYYY-MM-DD")}}",
  "page": {
    "url": "https://shop.example.com/products/{{lorem.slug(2) as slug}}",
    "path": "/products/{{$slug}}",
    "title": "{{commerce.productName}}",
    "referrer": null
  },
  "device": {
    "type": "{{random.weightedArrayElement({"weights":[0.55,0.38,0.07],"data":["mobile","desktop","tablet"]})}}",
    "os": "{{random.arrayElement(["iOS","Android","Windows","macOS","Linux"])}}",
    "browser": "{{random.arrayElement(["Chrome","Safari","Firefox","Edge"])}}",
    "user_agent": "{{random.arrayElement(["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1","Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36","Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15","Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"])}}"
  },
  "items": [
    { "sku": "SKU-{{string.alphanumeric({"length":8,"casing":"upper"})}}", "quantity": {{number.int({"min":1,"max":3})}}, "price": {{commerce.price({"min":5,"max":500})}} }
  ]
}
{{/variant}}
{{#variant weight=8 name=purchase}}
{
  "event_id": "{{string.uuid}}",
  "event_type": "purchase",
  "customer_id": "C{{random.number({"min":100000,"max":999999})}}",
  "session_id": "{{random.alphaNumeric(20)}}",
  "timestamp": "{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}",
  "event_date": "{{date.utc("YYYY-MM-DD")}}",
  "amount": {{finance.amount(5, 2000)}},
  "currency": "{{random.weightedArrayElement({"weights":[0.7,0.2,0.1],"data":["USD","EUR","GBP"]})}}",
  "page": {
    "url": "https://shop.example.com/checkout/complete",
    "path": "/checkout/complete",
    "title": "Thank you for your order",
    "referrer": "https://shop.example.com/checkout"
  },
  "device": {
    "type": "{{random.weightedArrayElement({"weights":[0.55,0.38,0.07],"data":["mobile","desktop","tablet"]})}}",
    "os": "{{random.arrayElement(["iOS","Android","Windows","macOS","Linux"])}}",
    "browser": "{{random.arrayElement(["Chrome","Safari","Firefox","Edge"])}}",
    "user_agent": "{{random.arrayElement(["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1","Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36","Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15","Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"])}}"
  },
  "customer": {
    "email": "{{internet.email}}",
    "segment": "{{random.weightedArrayElement({"weights":[0.6,0.3,0.1],"data":["regular","new","vip"]})}}",
    "lifetime_orders": {{random.number({"min":1,"max":250})}}
  },
  "items": [
    { "sku": "SKU-{{string.alphanumeric({"length":8,"casing":"upper"})}}", "quantity": {{number.int({"min":1,"max":3})}}, "price": {{commerce.price({"min":5,"max":500})}} },
    { "sku": "SKU-{{string.alphanumeric({"length":8,"casing":"upper"})}}", "quantity": 1, "price": {{commerce.price({"min":5,"max":500})}} }
  ]
}
{{/variant}}
