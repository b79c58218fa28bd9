/** The baseline: a React page with nothing on it, so that React itself is not counted as the chat UI's. */
import { createRoot } from 'react-dom/client';

const root = document.getElementById('root');
if (root) createRoot(root).render(<main />);
