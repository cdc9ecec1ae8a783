// The face photo from the browser's camera: getUserMedia → a frame drawn on a canvas →
// a JPEG put into the upload form's file field, which is then sent as an ordinary
// form (same route, same checks and CSRF token as an uploaded file).
(function () {
  var box = document.querySelector("[data-camera]");
  var form = document.getElementById("face-form");
  if (!box || !form) { return; }
  var video = document.getElementById("camera-video");
  var canvas = document.getElementById("camera-canvas");
  var start = document.getElementById("camera-start");
  var shoot = document.getElementById("camera-shoot");
  var state = document.getElementById("camera-state");
  var stream = null;

  function unavailable() {
    state.textContent = state.getAttribute("data-denied");
    start.hidden = true;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.DataTransfer) {
    unavailable();
    return;
  }
  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 960 }, height: { ideal: 1280 } }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        start.hidden = true;
        // The shutter appears once the first frame's size is known.
        video.addEventListener("loadedmetadata", function () { shoot.hidden = false; }, { once: true });
      })
      .catch(unavailable);
  });
  shoot.addEventListener("click", function () {
    if (!stream || !video.videoWidth) { return; }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    shoot.disabled = true;
    canvas.toBlob(function (blob) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      var files = new DataTransfer();
      files.items.add(new File([blob], "camera.jpg", { type: "image/jpeg" }));
      document.getElementById("face-file").files = files.files;
      document.getElementById("face-source").value = "camera";
      form.submit();
    }, "image/jpeg", 0.92);
  });
})();
