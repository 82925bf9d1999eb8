{{!--
  Structured application logs (JSON), one per line (schema: templates/app-logs.schema.json).
  Also the message of each event in the cloudwatch-logs payloads.
--}}
{{#variant weight=85 name=request}}
{"timestamp":"{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}","level":"{{random.weightedArrayElement({"weights":[0.9,0.1],"data":["INFO","DEBUG"]})}}","service":"{{random.arrayElement(["checkout","catalog","payments","search"])}}","message":"{{internet.httpMethod as method}} {{random.arrayElement(["/api/cart","/api/products","/api/orders","/api/search"]) as path}} completed","request_id":"{{string.uuid}}","trace_id":"1-{{string.hexadecimal({"length":8,"casing":"lower","prefix":""})}}-{{string.hexadecimal({"length":24,"casing":"lower","prefix":""})}}","http":{"method":"{{$method}}","path":"{{$path}}","status":{{random.weightedArrayElement({"weights":[0.9,0.05,0.05],"data":[200,201,404]})}},"duration_ms":{{number.int({"min":2,"max":800})}}},"host":"ip-10-0-{{number.int(255)}}-{{number.int(255)}}"}
{{/variant}}
{{#variant weight=10 name=warning}}
{"timestamp":"{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}","level":"WARN","service":"{{random.arrayElement(["checkout","catalog","payments","search"])}}","message":"slow downstream call to {{random.arrayElement(["inventory","pricing","recommendations"])}}","request_id":"{{string.uuid}}","http":{"method":"GET","path":"/api/products","status":200,"duration_ms":{{number.int({"min":1000,"max":5000})}}},"host":"ip-10-0-{{number.int(255)}}-{{number.int(255)}}"}
{{/variant}}
{{#variant weight=5 name=error}}
{"timestamp":"{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}","level":"ERROR","service":"{{random.arrayElement(["checkout","payments"])}}","message":"{{random.arrayElement(["payment provider timeout","card declined","database connection reset"])}}","request_id":"{{string.uuid}}","error":{"type":"{{random.arrayElement(["TimeoutError","PaymentDeclined","ConnectionReset"])}}","stack":"at {{hacker.noun}}Handler ({{system.fileName}}:{{number.int({"min":1,"max":400})}})"},"http":{"method":"POST","path":"/api/orders","status":{{random.arrayElement([500,502,503])}},"duration_ms":{{number.int({"min":100,"max":30000})}}},"host":"ip-10-0-{{number.int(255)}}-{{number.int(255)}}"}
{{/variant}}
