window.sdkReady = typeof window.WebMqtt === "object";
