// Scan a card's QR with the camera where the browser has a barcode detector; the decoded
// text goes into the form (a USB scanner or a paste works without this).
(function () {
  var box = document.querySelector("[data-qr-scanner]");
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  box.hidden = false;
  var video = document.getElementById("scan-video");
  document.getElementById("scan-start").addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            document.getElementById("qr-text").value = codes[0].rawValue;
            document.getElementById("scan-form").submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }).catch(function () { window.requestAnimationFrame(look); });
      }
      look();
    });
  });
})();
