import '@mantine/core/styles.css';
import { createTheme, CSSVariablesResolver, MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { CALLBACK_PATH, completeSignInWindow, completeSignOutWindow, SIGNED_OUT_PATH } from './oidc';
import './console.css';

// Darker shades than the defaults, so text, links and captions keep a 4.5:1 contrast (WCAG AA).
const theme = createTheme({ primaryShade: { light: 8, dark: 8 } });
const resolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: { '--mantine-color-dimmed': t.colors.gray[7], '--mantine-color-placeholder': t.colors.gray[7] },
  dark: {},
});

const queries = new QueryClient({
  defaultOptions: {
    // A refused or conflicting request does not get better by repeating it; a lost connection may.
    queries: { retry: (count, error) => count < 2 && (error as { status?: number }).status === 0, refetchOnWindowFocus: false, staleTime: 5_000 },
  },
});

const root = document.getElementById('root')!;
if (window.location.pathname === CALLBACK_PATH) {
  // The sign-in window, back from the OpenID Connect issuer: it hands the answer to the console and closes.
  root.textContent = 'Completing sign-in…';
  completeSignInWindow().catch((e: Error) => {
    root.textContent = `Sign-in could not be completed: ${e.message}. Close this window and try again.`;
  });
} else if (window.location.pathname === SIGNED_OUT_PATH) {
  // The sign-out window, back from the issuer: it tells the console and closes.
  root.textContent = 'Completing sign-out…';
  completeSignOutWindow().catch((e: Error) => {
    root.textContent = `Sign-out could not be completed here: ${e.message}. Close this window.`;
  });
} else createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={resolver}>
      <QueryClientProvider client={queries}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
