{{!--
  IoT sensor telemetry, one JSON object per line (schema: templates/iot-telemetry.schema.json).
  About 2% of readings report a fault, with out-of-range values, as real fleets do.
--}}
{{#variant weight=98 name=ok}}
{
  "device_id": "sensor-{{number.int({"min":1,"max":500})}}",
  "device_type": "{{random.arrayElement(["thermostat","air-quality","cold-chain","greenhouse"])}}",
  "firmware": "{{system.semver}}",
  "timestamp": "{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}",
  "epoch_ms": {{date.utc("x")}},
  "location": { "site": "{{location.city}}", "lat": {{address.latitude}}, "lon": {{address.longitude}} },
  "metrics": {
    "temperature_c": {{number.float({"min":-5,"max":35,"fractionDigits":2})}},
    "humidity_pct": {{number.float({"min":20,"max":90,"fractionDigits":1})}},
    "pressure_hpa": {{number.float({"min":980,"max":1040,"fractionDigits":1})}},
    "battery_pct": {{number.int({"min":5,"max":100})}}
  },
  "status": "{{random.weightedArrayElement({"weights":[0.93,0.07],"data":["OK","WARN"]})}}"
}
{{/variant}}
{{#variant weight=2 name=fault}}
{
  "device_id": "sensor-{{number.int({"min":1,"max":500})}}",
  "device_type": "{{random.arrayElement(["thermostat","air-quality","cold-chain","greenhouse"])}}",
  "firmware": "{{system.semver}}",
  "timestamp": "{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}",
  "epoch_ms": {{date.utc("x")}},
  "location": { "site": "{{location.city}}", "lat": {{address.latitude}}, "lon": {{address.longitude}} },
  "metrics": {
    "temperature_c": {{number.float({"min":60,"max":120,"fractionDigits":2})}},
    "humidity_pct": {{number.float({"min":0,"max":5,"fractionDigits":1})}},
    "pressure_hpa": {{number.float({"min":900,"max":980,"fractionDigits":1})}},
    "battery_pct": {{number.int({"min":0,"max":5})}}
  },
  "status": "FAIL",
  "error_code": "{{random.arrayElement(["E_SENSOR_TIMEOUT","E_OVERHEAT","E_LOW_BATTERY","E_CALIBRATION"])}}"
}
{{/variant}}
