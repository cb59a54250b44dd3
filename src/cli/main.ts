console.log("pyde1-store");
