/** The web view's entry point (bundled by scripts/build-ui.mjs into dist/ui/app.js). */
import { render } from "preact";
import { prestartWorker } from "./cluster.js";
import { App } from "./components/App.js";

prestartWorker();

render(<App />, document.getElementById("app")!);
