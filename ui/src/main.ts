import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { workspace } from "./lib/workspace.svelte";

mount(App, { target: document.getElementById("app")! });
void workspace.start();
